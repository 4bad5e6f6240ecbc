/* What a hostile or awkward launched program does, one mode per test
 * (tests/check_security.c):
 *   attack        TIOCSTI and OSC 0 / OSC 52 at every terminal it can reach
 *   fds [FILE]    the descriptors it was given ("fds: 0 1 2"), to FILE or stdout
 *   env           HOME, USER, LOGNAME, SHELL
 *   seccomp       its own SECCOMP_RET_TRACE filter on getppid and mmap
 *   int80         an i386 mmap2 through int 0x80 from 64-bit code
 *   execstorm     execs itself forever
 *   mapfile PATH  maps PATH privately, says "ready", waits for stdin to close */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void attack_fd(int fd)
{
    static const char cmd[] = "echo INJECTED-BY-NOBODY\n";
    for (const char *c = cmd; *c; c++)
        ioctl(fd, TIOCSTI, c);
    static const char osc[] = "\033]0;OWNED-TITLE\007\033]52;c;SU5KRUNURUQ=\007";
    ssize_t n = write(fd, osc, sizeof osc - 1);
    (void)n;
}

static int attack(void)
{
    for (int fd = 0; fd <= 2; fd++)
        attack_fd(fd);
    int tty = open("/dev/tty", O_RDWR | O_NOCTTY);
    if (tty >= 0) {
        attack_fd(tty);
        close(tty);
    }
    printf("attack done\n");
    return 0;
}

static int fds(const char *file)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 1;
    char list[4096] = "fds:";
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
            snprintf(list + strlen(list), sizeof list - strlen(list), " %s", e->d_name);
    closedir(d);
    FILE *out = file ? fopen(file, "we") : stdout;
    if (!out)
        return 1;
    fprintf(out, "%s\n", list);
    fclose(out);
    if (file)
        pause(); /* the live view stays up until the test ends it */
    return 0;
}

static int env(void)
{
    const char *keys[] = {"HOME", "USER", "LOGNAME", "SHELL"};
    for (int i = 0; i < 4; i++) {
        const char *v = getenv(keys[i]);
        printf("%s=%s\n", keys[i], v ? v : "(unset)");
    }
    return 0;
}

static int own_seccomp(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x1234),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        perror("seccomp");
        return 1;
    }
    errno = 0;
    long r = syscall(SYS_getppid);
    printf("getppid %ld %d\n", r, r < 0 ? errno : 0);
    errno = 0;
    void *p = (void *)syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap %ld %d\n", (long)p, p == MAP_FAILED ? errno : 0);
    fflush(stdout);
    _exit(0); /* exit_group is not filtered; stdio is flushed */
}

static int int80(void)
{
    long ret;
    /* mmap2(0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) */
    __asm__ volatile("push %%rbp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "int $0x80\n\t"
                     "pop %%rbp"
                     : "=a"(ret)
                     : "a"(192L), "b"(0L), "c"(4096L), "d"(3L), "S"(0x22L), "D"(-1L)
                     : "memory", "r8", "r9", "r10", "r11");
    printf("int80 mmap2 0x%lx\n", (unsigned long)(unsigned int)ret);
    return 0;
}

static int mapfile(const char *path)
{
    int fd = open(path, O_RDONLY);
    void *p = fd >= 0 ? mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    if (p == MAP_FAILED) {
        perror(path);
        return 1;
    }
    printf("ready %p\n", p);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "attack") == 0)
        return attack();
    if (strcmp(mode, "fds") == 0)
        return fds(argc > 2 ? argv[2] : NULL);
    if (strcmp(mode, "env") == 0)
        return env();
    if (strcmp(mode, "seccomp") == 0)
        return own_seccomp();
    if (strcmp(mode, "int80") == 0)
        return int80();
    if (strcmp(mode, "execstorm") == 0) {
        execl("/proc/self/exe", argv[0], "execstorm", (char *)NULL);
        return 1;
    }
    if (strcmp(mode, "mapfile") == 0 && argc > 2)
        return mapfile(argv[2]);
    fprintf(stderr, "usage: sechelper attack|fds [FILE]|env|seccomp|int80|execstorm|mapfile PATH\n");
    return 2;
}
