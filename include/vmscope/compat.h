/* compat: glibc extensions vmscope uses, declared here where the C library
 * lacks them (configure probes each; src/util/compat.c stands in). */
#ifndef VMSCOPE_COMPAT_H
#define VMSCOPE_COMPAT_H

#include "config.h"

#ifndef HAVE_STRERRORNAME_NP
/* "ENOMEM" for ENOMEM; NULL for a number it does not know. */
const char *strerrorname_np(int errnum);
#endif
#ifndef HAVE_SIGABBREV_NP
/* "SEGV" for SIGSEGV; NULL for a number it does not know. */
const char *sigabbrev_np(int sig);
#endif

#endif
