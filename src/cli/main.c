/*
 * main.c - the celltwin command-line tool: dispatches to the subcommands
 * in commands.h. The tool uses only the public API of the library.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const cti_command *const commands[] = {
    &cti_cmd_run,
    &cti_cmd_validate,
    &cti_cmd_stats,
    &cti_cmd_spc,
    &cti_cmd_capability,
    &cti_cmd_sweep, &cti_cmd_merge,
    &cti_cmd_calc,
    &cti_cmd_screen, &cti_cmd_grade,
    &cti_cmd_trace, &cti_cmd_recall, &cti_cmd_query,
    &cti_cmd_compare,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const cti_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void print_help(FILE *out)
{
    fprintf(out,
            "celltwin %s - a digital twin of a lithium-ion cell factory\n\n"
            "Usage: celltwin COMMAND [ARGS...]\n\nCommands:\n",
            CT_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "  %-12s %s\n", "help", "help COMMAND: the options of one command");
    fprintf(out, "\nOptions: --help, --version. Documentation: docs/cli.md.\n");
}

int cti_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "celltwin %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see: celltwin help %s)\n", cmd);
    return CTI_EXIT_BADINPUT;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_help(stdout);
        return argc < 2 ? CTI_EXIT_BADINPUT : CTI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("celltwin %s\n", CT_VERSION);
        return CTI_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            print_help(stdout);
            return CTI_EXIT_OK;
        }
        const cti_command *c = find(argv[2]);
        if (!c) {
            fprintf(stderr, "celltwin help: unknown command \"%s\"\n", argv[2]);
            return CTI_EXIT_BADINPUT;
        }
        fputs(c->usage, stdout);
        return CTI_EXIT_OK;
    }
    const cti_command *c = find(argv[1]);
    if (!c) {
        fprintf(stderr, "celltwin: unknown command \"%s\"\n\n", argv[1]);
        print_help(stderr);
        return CTI_EXIT_BADINPUT;
    }
    return c->run(argc - 1, argv + 1);
}
