/* Fuzz target: the small /proc parsers (status, stat, auxv, task syscall)
 * and the pagemap entry decoder on arbitrary bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmscope/pagemap.h"
#include "vmscope/procfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy so the parsers see exactly size bytes with nothing after them. */
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    struct proc_status st;
    status_parse(text, size, &st);
    struct proc_stat ps;
    stat_parse(text, size, &ps);
    struct auxv_info ai;
    auxv_parse(text, size, &ai);
    uint64_t sp;
    task_syscall_parse(text, size, &sp);
    struct page_census c;
    memset(&c, 0, sizeof c);
    size_t n = size / 8;
    uint64_t *entries = malloc((n ? n : 1) * 8);
    memcpy(entries, data, n * 8);
    pagemap_count_entries(entries, n, &c);
    if (c.present + c.swapped + c.guard > n || c.exclusive > c.present ||
        c.file > c.present + c.swapped) {
        fprintf(stderr, "fuzz_procfile: census counts do not add up\n");
        abort();
    }
    free(entries);
    free(text);
    return 0;
}
