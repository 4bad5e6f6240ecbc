/* Stand-ins for glibc 2.32's strerrorname_np and sigabbrev_np, built only
 * where configure did not find them. Their names are what the traced calls'
 * log lines and recordings print, so a build without them writes the same. */
#include "vmscope/compat.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>

#define NAME(x) [x] = #x

#ifndef HAVE_STRERRORNAME_NP
/* The errors brk, mmap, munmap, mremap, mprotect and madvise return, and the
 * common ones around them. */
static const char *const errno_names[] = {
    NAME(EPERM),  NAME(ENOENT), NAME(ESRCH),  NAME(EINTR),  NAME(EIO),    NAME(ENXIO),
    NAME(E2BIG),  NAME(EBADF),  NAME(ECHILD), NAME(EAGAIN), NAME(ENOMEM), NAME(EACCES),
    NAME(EFAULT), NAME(EBUSY),  NAME(EEXIST), NAME(ENODEV), NAME(EINVAL), NAME(ENFILE),
    NAME(EMFILE), NAME(ETXTBSY), NAME(EFBIG), NAME(ENOSPC), NAME(ESPIPE), NAME(EROFS),
    NAME(ERANGE), NAME(ENOSYS), NAME(EOVERFLOW), NAME(EHWPOISON),
};

const char *strerrorname_np(int errnum)
{
    if (errnum <= 0 || (size_t)errnum >= sizeof errno_names / sizeof errno_names[0])
        return NULL;
    return errno_names[errnum];
}
#endif

#ifndef HAVE_SIGABBREV_NP
#undef NAME
#define NAME(x) [SIG##x] = #x
static const char *const signal_names[] = {
    NAME(HUP),  NAME(INT),  NAME(QUIT), NAME(ILL),  NAME(TRAP), NAME(ABRT), NAME(BUS),
    NAME(FPE),  NAME(KILL), NAME(USR1), NAME(SEGV), NAME(USR2), NAME(PIPE), NAME(ALRM),
    NAME(TERM), NAME(CHLD), NAME(CONT), NAME(STOP), NAME(TSTP), NAME(TTIN), NAME(TTOU),
    NAME(URG),  NAME(XCPU), NAME(XFSZ), NAME(VTALRM), NAME(PROF), NAME(WINCH), NAME(IO),
    NAME(PWR),  NAME(SYS),
};

const char *sigabbrev_np(int sig)
{
    if (sig <= 0 || (size_t)sig >= sizeof signal_names / sizeof signal_names[0])
        return NULL;
    return signal_names[sig];
}
#endif
