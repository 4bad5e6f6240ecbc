/* allochelper: memory whose origin a test knows, for check_runtimes.
 * Run under LD_PRELOAD of an allocator: a 64 MiB malloc (the allocator's
 * heap), a raw 8 MiB anonymous mmap (not the allocator's), a POSIX shared
 * memory object, an anonymous executable page (as a JIT makes). Prints
 * "name 0xADDR" lines, then "ready"; exits when stdin closes, or on "e"
 * becomes `sleep 60` without LD_PRELOAD (a new process image). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BIG (64u << 20)

int main(void)
{
    char *big = malloc(BIG);
    if (!big) {
        puts("error malloc");
        return 1;
    }
    memset(big, 1, BIG);
    char *raw = mmap(NULL, 8u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char name[64];
    snprintf(name, sizeof name, "/vmscope-allochelper-%d", (int)getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (raw == MAP_FAILED || fd < 0 || ftruncate(fd, 1 << 16) < 0) {
        puts("error mmap or shm_open");
        return 1;
    }
    char *shm = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    shm_unlink(name); /* the mapping stays; nothing is left behind */
    close(fd);
    char *jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (shm == MAP_FAILED || jit == MAP_FAILED) {
        puts("error mmap");
        return 1;
    }
    raw[0] = shm[0] = jit[0] = 1;
    printf("big %p\nraw %p\nshm %p\njit %p\nready\n", (void *)big, (void *)raw, (void *)shm,
           (void *)jit);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {
        if (c == 'e') {
            char *const argv[] = {"sleep", "60", NULL}, *const envp[] = {"PATH=/usr/bin:/bin", NULL};
            execve("/bin/sleep", argv, envp);
            return 127;
        }
    }
    return 0;
}
