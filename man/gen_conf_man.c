/* gen_conf_man: writes tidecache.conf(5) in man(7) format to stdout.
 *
 * The OPTIONS section comes from CONFIG_OPTIONS in
 * include/tidecache/config.h, the same table that drives the parser, the
 * defaults, --help and the sample config, so the page can never disagree
 * with the program it documents. `make` regenerates the page whenever the
 * table changes. */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tidecache/config.h"
#include "tidecache/version.h"

/* One option, as CONFIG_OPTIONS describes it. */
struct man_opt {
    const char *name;
    enum conf_type type;
    const char *def;
    long long min, max;
    unsigned flags;
    const char *const *enums;
    const char *help;
};

#define MAN_OPT(field, name, type, def, min, max, flags, enums, help) \
    {name, type, def, min, max, flags, enums, help},

static const struct man_opt options[] = {CONFIG_OPTIONS(MAN_OPT)};

/* Other names of options (CONFIG_ALIASES). */
#define MAN_ALIAS(alias, option) {alias, option},
static const struct {
    const char *alias;
    const char *option;
} aliases[] = {CONFIG_ALIASES(MAN_ALIAS)};

/* Text as roff reads it literally: backslashes escaped, hyphens as the
 * minus sign (so names and values copy and paste), and a line never
 * starting with a control character. */
static void roff(const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", stdout);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

/* A size as people write it: the largest binary unit dividing it. */
static void put_size(long long v)
{
    static const struct {
        long long bytes;
        const char *unit;
    } units[] = {{GB, "gb"}, {MB, "mb"}, {KB, "kb"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (v != 0 && v % units[i].bytes == 0) {
            printf("%lld%s", v / units[i].bytes, units[i].unit);
            return;
        }
    }
    printf("%lld", v);
}

/* What an option's arguments look like, for its tag line. */
static const char *arg_form(enum conf_type type)
{
    switch (type) {
    case CONF_INT: return "N";
    case CONF_SIZE: return "BYTES";
    case CONF_BOOL: return "yes|no";
    case CONF_STRING: return "STRING";
    case CONF_ENUM: return "NAME";
    case CONF_OCTAL: return "MODE";
    case CONF_ADDRS: return "ADDRESS ...";
    case CONF_TTLRULES: return "PREFIX SECONDS";
    }
    return "";
}

/* The values the option takes, after its help text. */
static void put_values(const struct man_opt *o)
{
    switch (o->type) {
    case CONF_INT:
    case CONF_TTLRULES:
        if (o->min == 0 && o->max == LLONG_MAX)
            break;
        printf("%s %lld to %lld", o->type == CONF_INT ? "Range:" : "SECONDS range:", o->min,
               o->max);
        if (o->flags & CONF_CLAMP)
            printf("; values from 0 to %lld are brought into it", CONF_CLAMP_ACCEPT_MAX);
        fputs(".\n", stdout);
        break;
    case CONF_SIZE:
        if (o->min == 0 && o->max == INT64_MAX)
            break;
        fputs("Range: ", stdout);
        put_size(o->min);
        fputs(" to ", stdout);
        put_size(o->max);
        fputs(".\n", stdout);
        break;
    case CONF_OCTAL: printf("Range: %llo to %llo.\n", o->min, o->max); break;
    case CONF_ENUM:
        fputs("One of:", stdout);
        for (int i = 0; o->enums[i]; i++) {
            fputs(i ? ", " : " ", stdout);
            fputs("\\fB", stdout);
            roff(o->enums[i]);
            fputs("\\fR", stdout);
        }
        fputs(".\n", stdout);
        break;
    default: break;
    }
}

static void put_option(const struct man_opt *o)
{
    fputs(".TP\n.B ", stdout);
    roff(o->name);
    fputs(" \\fI", stdout);
    roff(arg_form(o->type));
    fputs("\\fR\n", stdout);
    roff(o->help);
    fputs("\n", stdout);
    put_values(o);
    fputs(".br\nDefault: ", stdout);
    if (o->type == CONF_STRING && !*o->def)
        fputs("\\(dq\\(dq (empty)", stdout);
    else if (o->type == CONF_TTLRULES && !*o->def)
        fputs("none", stdout);
    else
        roff(o->def);
    fputs(o->flags & CONF_RUNTIME ? "; can be changed at runtime.\n" : "; fixed at startup.\n",
          stdout);
}

static const char HEAD[] =
    ".TH TIDECACHE.CONF 5 \"\" \"tidecache " TIDECACHE_VERSION "\" \"File Formats Manual\"\n"
    ".nh\n"
    ".SH NAME\n"
    "tidecache.conf \\- configuration file of the tidecache cache server\n"
    ".SH SYNOPSIS\n"
    ".I /etc/tidecache/tidecache.conf\n"
    ".SH DESCRIPTION\n"
    ".BR tidecache (1)\n"
    "reads its configuration from the file named on its command line, in the\n"
    "format of redis.conf: one directive per line, its name and then its\n"
    "arguments, separated by spaces.\n"
    "Lines starting with\n"
    ".B #\n"
    "are comments.\n"
    "An argument holding spaces goes in double quotes, where\n"
    ".BR \\en ,\n"
    ".BR \\et ,\n"
    ".B \\e\\(dq\n"
    "and\n"
    ".B \\exHH\n"
    "escapes work; single quotes keep the text as it is.\n"
    "Names are case-insensitive.\n"
    "When a directive appears twice the later wins, except\n"
    ".BR ttl\\-rule ,\n"
    "which adds a rule each time.\n"
    ".PP\n"
    "Sizes take an optional unit:\n"
    ".B 1k\n"
    "is 1000 bytes,\n"
    ".B 1kb\n"
    "is 1024 bytes, and so on for\n"
    ".BR m ,\n"
    ".BR mb ,\n"
    ".B g\n"
    "and\n"
    ".BR gb .\n"
    ".PP\n"
    "Every directive can also be given on the command line after the file, as\n"
    ".BI \\-\\- name\n"
    "followed by its arguments; those override the file.\n"
    "An error stops the program with a message of the form\n"
    "\\fIfile\\fP:\\fIline\\fP: \\fImessage\\fP.\n"
    ".SH RELOADING\n"
    "On\n"
    ".B SIGHUP\n"
    "(\\fBsystemctl reload tidecache\\fR) tidecache reads the file again, with\n"
    "the command-line directives on top, and reopens its log file.\n"
    "Options marked below as changeable at runtime take their new value at\n"
    "once; a directive removed from the file returns to its default.\n"
    "Options fixed at startup keep their value until a restart, and the log\n"
    "says so for each one that changed.\n"
    "A file with an error is rejected as a whole: the log names the file and\n"
    "line, and the running configuration stays in force.\n"
    "Clients stay connected throughout.\n"
    ".SH OPTIONS\n";

static const char TAIL[] =
    ".SH FILES\n"
    ".TP\n"
    ".I /etc/tidecache/tidecache.conf\n"
    "The configuration the systemd unit starts tidecache with; installed with\n"
    "every option at its default and commented.\n"
    ".SH EXAMPLES\n"
    "A cache for sessions on all interfaces of a private network:\n"
    ".PP\n"
    ".RS\n"
    ".nf\n"
    "bind 10.0.0.5\n"
    "requirepass \"a long random secret\"\n"
    "maxmemory 128mb\n"
    "maxmemory\\-policy allkeys\\-lru\n"
    "default\\-ttl 60\n"
    "ttl\\-rule user_session: 3600\n"
    "ttl\\-rule user_profile: 1800\n"
    ".fi\n"
    ".RE\n"
    ".SH SEE ALSO\n"
    ".BR tidecache (1),\n"
    ".BR redis\\-cli (1)\n";

int main(void)
{
    fputs(HEAD, stdout);
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        put_option(&options[i]);
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        fputs(".TP\n.B ", stdout);
        roff(aliases[i].alias);
        fputs("\nAnother name of \\fB", stdout);
        roff(aliases[i].option);
        fputs("\\fR.\n", stdout);
    }
    fputs(TAIL, stdout);
    return ferror(stdout) ? 1 : 0;
}
