/* Format selection for snapshot exports. */
#include "vmscope/export.h"
#include "vmscope/perfetto.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

int export_format_parse(const char *name, enum export_format *out)
{
    static const struct {
        const char *name;
        enum export_format fmt;
    } names[] = {{"text", EXPORT_TEXT}, {"json", EXPORT_JSON}, {"csv", EXPORT_CSV},
                 {"svg", EXPORT_SVG}, {"perfetto", EXPORT_PERFETTO}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].fmt;
            return 0;
        }
    }
    return -EINVAL;
}

bool export_format_from_path(const char *path, enum export_format *out)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot)
        return false;
    if (strcasecmp(dot, ".json") == 0)
        *out = EXPORT_JSON;
    else if (strcasecmp(dot, ".csv") == 0)
        *out = EXPORT_CSV;
    else if (strcasecmp(dot, ".txt") == 0)
        *out = EXPORT_TEXT;
    else if (strcasecmp(dot, ".svg") == 0)
        *out = EXPORT_SVG;
    else
        return false;
    return true;
}

int export_snapshot(const struct snapshot *s, enum export_format fmt, unsigned flags, FILE *fp)
{
    int rc;
    switch (fmt) {
    case EXPORT_JSON: rc = export_json(s, flags, fp); break;
    case EXPORT_CSV: rc = export_csv(s, flags, fp); break;
    case EXPORT_SVG: rc = export_svg(s, NULL, flags, fp); break;
    case EXPORT_PERFETTO: rc = export_perfetto(s, flags, fp); break;
    default: rc = export_text(s, flags, fp); break;
    }
    if (rc == 0 && (fflush(fp) != 0 || ferror(fp)))
        rc = errno ? -errno : -EIO;
    return rc;
}
