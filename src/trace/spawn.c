/* Spawning the launched program: everything that may fail is prepared
 * before the fork (credentials, environment, terminal, filter), so the
 * child only applies it. In every mode the program gets a session and a
 * pseudo-terminal of its own and no descriptor of ours: it must never
 * reach vmscope's terminal (TIOCSTI, OSC sequences) or files, even when
 * it runs as another user. */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "vmscope/sanitize.h"
#include "vmscope/util.h"

extern char **environ;

static _Noreturn void child_fail(int fd, int step)
{
    struct child_failure f = {step, errno};
    ssize_t n = write(fd, &f, sizeof f);
    (void)n;
    _exit(127);
}

static int install_filter(const struct sock_fprog *prog, bool no_new_privs)
{
    if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog);
}

/* Every descriptor but 0, 1 and 2 is closed at exec, whatever its flags:
 * the second line of defence behind O_CLOEXEC everywhere. */
static void cloexec_all_from_3(void)
{
    if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX);
    for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
_Noreturn void spawn_child(struct launch *l, int go_fd, int fail_fd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < NSIG; sig++) /* vmscope's ignored signals are not the program's */
        sigaction(sig, &dfl, NULL);
    /* Its own session with its own pty as controlling terminal: ours is
     * out of its reach, and Ctrl-C in vmscope does not hit it. */
    if (setsid() < 0)
        child_fail(fail_fd, STEP_TERMINAL);
    int s = open(l->slave_path, O_RDWR | O_CLOEXEC); /* dup2's copies stay open */
    if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
        child_fail(fail_fd, STEP_TERMINAL);
    struct termios t;
    if (tcgetattr(s, &t) == 0) {
        t.c_oflag &= ~(tcflag_t)ONLCR; /* plain \n in the captured output */
        t.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(s, TCSANOW, &t);
    }
    if (dup2(s, 0) < 0 || dup2(s, 1) < 0 || dup2(s, 2) < 0)
        child_fail(fail_fd, STEP_TERMINAL);
    if (s > 2)
        close(s);
    char go;
    if (read(go_fd, &go, 1) != 1) /* the tracer has seized us */
        _exit(126);
    cloexec_all_from_3();
    /* Root puts the filter in before giving up its rights, so it needs no
     * no_new_privs and a set-user-ID program keeps its privilege (root
     * without CAP_SYS_ADMIN, in a container, falls back to no_new_privs).
     * Only now: a filtered call with no tracer attached fails (§10.2). */
    bool filtered = l->filter.len && l->privileged && install_filter(&l->filter, false) == 0;
    if (l->opt.user && (setgroups((size_t)l->n_groups, l->groups) != 0 ||
                        setgid(l->gid) != 0 || setuid(l->uid) != 0))
        child_fail(fail_fd, STEP_USER);
    if (l->filter.len && !filtered && install_filter(&l->filter, true) != 0)
        child_fail(fail_fd, STEP_FILTER);
    execvpe(l->opt.argv[0], l->opt.argv, l->envp ? l->envp : environ);
    child_fail(fail_fd, STEP_EXEC);
}

char *spawn_describe_failure(const struct launch *l, int step, int err)
{
    char *cmd = sanitize_display_dup(l->opt.argv[0]), *msg;
    switch (step) {
    case STEP_USER: {
        char *user = sanitize_display_dup(l->opt.user);
        msg = xasprintf("cannot run %s as %s: %s", cmd, user, strerror(err));
        free(user);
        break;
    }
    case STEP_FILTER:
        msg = xasprintf("cannot install the --trace seccomp filter: %s", strerror(err));
        break;
    case STEP_TERMINAL:
        msg = xasprintf("cannot give %s a terminal: %s", cmd, strerror(err));
        break;
    default:
        msg = xasprintf("cannot run %s: %s", cmd, strerror(err));
        break;
    }
    free(cmd);
    return msg;
}

/* The caller's environment with the user's HOME, USER, LOGNAME and SHELL,
 * as runuser gives it. */
static char **user_environment(const struct passwd *pw)
{
    static const char *const own[] = {"HOME=", "USER=", "LOGNAME=", "SHELL="};
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = xcalloc(n + ARRAY_LEN(own) + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < ARRAY_LEN(own); j++)
            replaced |= strncmp(environ[i], own[j], strlen(own[j])) == 0;
        if (!replaced)
            env[k++] = xstrdup(environ[i]);
    }
    const char *shell = pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh";
    env[k++] = xasprintf("HOME=%s", pw->pw_dir ? pw->pw_dir : "/");
    env[k++] = xasprintf("USER=%s", pw->pw_name);
    env[k++] = xasprintf("LOGNAME=%s", pw->pw_name);
    env[k++] = xasprintf("SHELL=%s", shell);
    return env;
}

/* The file execvp would run for argv0, or NULL. */
static char *find_program(const char *argv0)
{
    if (strchr(argv0, '/'))
        return xstrdup(argv0);
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        char *file = xasprintf("%.*s%s%s", (int)len, path, len ? "/" : "", argv0);
        if (access(file, X_OK) == 0)
            return file;
        free(file);
        path += len + (path[len] == ':');
    }
    return NULL;
}

/* A set-user-ID or set-group-ID program exec'd under a tracer without
 * CAP_SYS_PTRACE (and under no_new_privs) runs without that privilege:
 * say so before it runs instead of letting it fail in odd ways. */
static void note_setid(const struct launch *l)
{
    if (geteuid() == 0)
        return;
    char *file = find_program(l->opt.argv[0]);
    struct stat st;
    if (file && stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
        ((st.st_mode & S_ISUID) || ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP)))) {
        char *name = sanitize_display_dup(file);
        warnx_msg("note: %s is set-%s-ID; launched by a non-root vmscope it runs without that "
                  "privilege (the kernel ignores set-ID bits under ptrace)",
                  name, (st.st_mode & S_ISUID) ? "user" : "group");
        free(name);
    }
    free(file);
}

static int prepare_user(struct launch *l, char **why)
{
    char *user = sanitize_display_dup(l->opt.user);
    int rc = 0;
    struct passwd *pw;
    if (geteuid() != 0) {
        *why = xasprintf("-u %s needs root (vmscope runs as uid %d)", user, (int)geteuid());
        rc = -EPERM;
    } else if (!(pw = getpwnam(l->opt.user))) {
        *why = xasprintf("-u: no such user '%s'", user);
        rc = -ENOENT;
    } else {
        l->uid = pw->pw_uid;
        l->gid = pw->pw_gid;
        l->n_groups = MAX_GROUPS;
        if (getgrouplist(pw->pw_name, pw->pw_gid, l->groups, &l->n_groups) < 0)
            l->n_groups = MAX_GROUPS; /* the first MAX_GROUPS are enough to run */
        l->envp = user_environment(pw);
    }
    free(user);
    return rc;
}

static int prepare_terminal(struct launch *l, char **why)
{
    l->master_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (l->master_fd < 0 || grantpt(l->master_fd) != 0 || unlockpt(l->master_fd) != 0 ||
        ptsname_r(l->master_fd, l->slave_path, sizeof l->slave_path) != 0) {
        int e = errno;
        *why = xasprintf("cannot open a pseudo-terminal: %s", strerror(e));
        return -e;
    }
    struct winsize ws = {.ws_row = l->opt.rows ? l->opt.rows : 24,
                         .ws_col = l->opt.cols ? l->opt.cols : 80};
    ioctl(l->master_fd, TIOCSWINSZ, &ws);
    fcntl(l->master_fd, F_SETFL, fcntl(l->master_fd, F_GETFL) | O_NONBLOCK);
    if (!l->opt.pty && l->opt.output >= 0) {
        /* Our own copy: the caller may close its descriptor at once. */
        l->output_fd = fcntl(l->opt.output, F_DUPFD_CLOEXEC, 3);
        if (l->output_fd < 0) {
            int e = errno;
            *why = xasprintf("cannot write the program's output: %s", strerror(e));
            return -e;
        }
    }
    return 0;
}

int spawn_prepare(struct launch *l, char **why)
{
    int rc;
    if (l->opt.user && (rc = prepare_user(l, why)) < 0)
        return rc;
    if ((rc = prepare_terminal(l, why)) < 0)
        return rc;
    l->privileged = geteuid() == 0;
    if (l->opt.trace) {
        trace_filter_build(&l->filter);
        if (!l->filter.len)
            warnx_msg("--trace is not supported on this architecture: the program runs untraced");
    }
    note_setid(l);
    return 0;
}

void spawn_free(struct launch *l)
{
    if (l->envp) {
        for (char **e = l->envp; *e; e++)
            free(*e);
        free(l->envp);
    }
    trace_filter_free(&l->filter);
}
