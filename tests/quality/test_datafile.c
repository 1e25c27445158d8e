/*
 * test_datafile.c - the number-file reader: one number per line, CSV
 * columns by header name, and the messages (SOURCE:LINE and the offending
 * text) for every way a file can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "celltwin/quality.h"

/* Reads text as if it were the file "t.txt" (through a temporary file, so
 * the reader sees a real stream, empty files included). */
static ct_status read_text(const char *text, const char *const *names, size_t k, ct_column *cols,
                           ct_error *err)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs(text, f);
    rewind(f);
    ct_status st = ct_data_read_stream(f, "t.txt", names, k, cols, err);
    fclose(f);
    return st;
}

static void test_numbers_per_line(void **state)
{
    (void)state;
    ct_column c;
    ct_column_init(&c);
    ct_error err;
    const char *text = "# header comment\n 1.5 \n\n-2e3\r\n+7\n0x10\n  # indented comment\n3";
    assert_int_equal(read_text(text, NULL, 1, &c, &err), CT_OK);
    assert_int_equal(c.n, 5);
    assert_true(c.values[0] == 1.5 && c.values[1] == -2000.0 && c.values[2] == 7.0);
    assert_true(c.values[3] == 16.0 && c.values[4] == 3.0);
    assert_int_equal(c.lines[0], 2);
    assert_int_equal(c.lines[4], 8); /* last line without a newline */
    ct_column_clear(&c);
    assert_null(c.values);
}

static void test_number_errors(void **state)
{
    (void)state;
    ct_column c;
    ct_column_init(&c);
    ct_error err;
    assert_int_equal(read_text("1\n2\nabc\n", NULL, 1, &c, &err), CT_ERR_PARSE);
    assert_string_equal(err.msg, "t.txt:3: expected a number, got \"abc\"");
    assert_int_equal(c.n, 0);
    assert_int_equal(read_text("1\nnan\n", NULL, 1, &c, &err), CT_ERR_PARSE);
    assert_string_equal(err.msg, "t.txt:2: expected a number, got \"nan\"");
    assert_int_equal(read_text("1e999\n", NULL, 1, &c, &err), CT_ERR_PARSE);
    assert_int_equal(read_text("1.5x\n", NULL, 1, &c, &err), CT_ERR_PARSE);
    assert_int_equal(read_text("", NULL, 1, &c, &err), CT_ERR_PARSE);
    assert_string_equal(err.msg, "t.txt: no numbers in the file");
    assert_int_equal(read_text("\n# only a comment\n\n", NULL, 1, &c, &err), CT_ERR_PARSE);
    /* Long text is shortened in the message. */
    char longline[200];
    memset(longline, 'z', sizeof longline - 2);
    longline[sizeof longline - 2] = '\n';
    longline[sizeof longline - 1] = '\0';
    assert_int_equal(read_text(longline, NULL, 1, &c, &err), CT_ERR_PARSE);
    assert_non_null(strstr(err.msg, "...\""));
    assert_true(strlen(err.msg) < 120);
}

static void test_csv_columns(void **state)
{
    (void)state;
    ct_column cols[2];
    ct_column_init(&cols[0]);
    ct_column_init(&cols[1]);
    ct_error err;
    const char *names[] = { "count", "size" };
    const char *text = "\xEF\xBB\xBFlot, size ,\"count\"\nA,200,12\n\n\"B, 2\",100,\"4\"\n";
    assert_int_equal(read_text(text, names, 2, cols, &err), CT_OK);
    assert_int_equal(cols[0].n, 2);
    assert_true(cols[0].values[0] == 12 && cols[0].values[1] == 4);
    assert_true(cols[1].values[0] == 200 && cols[1].values[1] == 100);
    assert_int_equal(cols[1].lines[1], 4);

    const char *missing[] = { "defects" };
    assert_int_equal(read_text("count,size\n1,2\n", missing, 1, cols, &err), CT_ERR_PARSE);
    assert_string_equal(err.msg, "t.txt:1: no column \"defects\" in the header line");
    assert_int_equal(read_text("count,size\n1,2\n3\n", names, 2, cols, &err), CT_ERR_PARSE);
    assert_string_equal(err.msg, "t.txt:3: 1 field, but column \"size\" is field 2");
    assert_int_equal(read_text("count,size\n1,\n", names, 2, cols, &err), CT_ERR_PARSE);
    assert_string_equal(err.msg, "t.txt:2: column \"size\": expected a number, got \"\"");
    assert_int_equal(read_text("count,size\n\"1,2\n", names, 2, cols, &err), CT_ERR_PARSE);
    assert_string_equal(err.msg, "t.txt:2: unterminated quoted field");
    assert_int_equal(read_text("count,size\n", names, 2, cols, &err), CT_ERR_PARSE);
    assert_string_equal(err.msg, "t.txt: no numbers in the file after the header line");
    assert_int_equal(read_text("", names, 2, cols, &err), CT_ERR_PARSE);
    assert_int_equal(cols[0].n, 0);
    assert_int_equal(cols[1].n, 0);
}

static void test_files(void **state)
{
    (void)state;
    ct_column c;
    ct_column_init(&c);
    ct_error err;
    assert_int_equal(ct_data_read_file("/nonexistent/dir/x.txt", NULL, 1, &c, &err), CT_ERR_IO);
    assert_string_equal(err.msg, "/nonexistent/dir/x.txt: cannot open: No such file or directory");
    /* A directory opens but cannot be read. */
    assert_int_equal(ct_data_read_file("/", NULL, 1, &c, &err), CT_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_per_line),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_csv_columns),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
