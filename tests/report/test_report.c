/*
 * test_report.c - `celltwin report`: a day of a small traced cell line
 * (lots -> batches -> coils -> lanes -> cells, a scrap rate, formation,
 * an aging shelf with the k-value screen, a grader with two bins and
 * off-grade scrap, a sampled capacity gate and a 100 % OCV gate), then the
 * report, checked against SQL on the same trace database.
 *
 * What must hold: the file is self-contained (no URL, no script, no
 * import, no external source) and every <svg> is well formed; the grade
 * counts are the database's; the scrap cost is SUM(value_usd) of the
 * scrapped cells; the individuals chart's limits are mean +- 3 MRbar/d2
 * (d2 = 1.128, Montgomery, Introduction to Statistical Quality Control,
 * Appendix VI; exactly 2/sqrt(pi) for n = 2); the X-bar/R chart of a large
 * gate is the first 5 measurements of each time slot with limits
 * Xbarbar +- A2 Rbar (A2 = 0.577 for n = 5, Appendix VI); the last
 * cumulative yield is shipped / (shipped + scrapped); the k-value outliers
 * are the cells the screen scrapped. Bad input (missing database, a file
 * that is not a trace or of another version, an unwritable output, a
 * file-size limit mid-write, an unknown run) fails with exit status 1 and
 * leaves no report and no temporary file; an existing report is untouched.
 */
#include "cli_harness.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "celltwin/trace.h"
#include "cellflow_head.h"

static const char factory_yaml[] =
    CELLFLOW_HEAD("reportflow", "10 m", "4")
    "    value_added: 1 usd\n"
    "  - {name: test, process_time: 3, scrap: 0.05}\n"
    "  - name: form\n"
    "    kind: formation\n"
    "    batch: {size: 100, max_wait: 1 h}\n"
    "    servers: 20\n"
    "    process_time: 1 h\n"
    "    process: {time: 1 h}\n"
    "  - name: age\n"
    "    kind: aging\n"
    "    batch: {size: 100, max_wait: 1 h}\n"
    "    servers: 40\n"
    "    process_time: 2 h\n"
    "    process: {ht_time: 0 d, cool_time: 0 d, rt_time: 2 h, screen: {threshold: 3.5}}\n"
    "  - name: grade\n"
    "    kind: grader\n"
    "    process_time: 3\n"
    "    process:\n"
    "      bins:\n"
    "        - {name: A, ir: [null, 0.49 mohm]}\n"
    "        - {name: B, ir: [0.49 mohm, 0.51 mohm]}\n"
    "      off_grade: scrap\n"
    "control_plan:\n"
    "  - {name: cap_check, station: grade, attribute: capacity, sample: 5 %, noise: 0.5 Ah,"
    " lsl: 250 Ah}\n"
    "  - {name: ocv_check, station: grade, attribute: ocv, usl: 4 V}\n";

static char db_path[128], html_path[128];

/* pi, for d2(2) = 2 / sqrt(pi) */
#define PI 3.14159265358979323846

static void assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}
static char *html;

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    if (p)
        p[n] = '\0';
    fclose(f);
    return p;
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static int setup_all(void **state)
{
    if (setup(state) != 0)
        return -1;
    const char *yaml = write_file("flow.yaml", factory_yaml);
    snprintf(db_path, sizeof db_path, "%s/t.db", dir);
    snprintf(html_path, sizeof html_path, "%s/report.html", dir);
    char args[512];
    snprintf(args, sizeof args, "run '%s' --horizon 1d --warmup 0 --trace '%s'", yaml, db_path);
    if (run(args) != 0)
        return -1;
    snprintf(args, sizeof args, "report '%s' -o '%s'", db_path, html_path);
    if (run(args) != 0) {
        fprintf(stderr, "report: %s\n", err_text);
        return -1;
    }
    html = read_all(html_path);
    return html ? 0 : -1;
}

static int teardown_all(void **state)
{
    free(html);
    return teardown(state);
}

/* ---- reading the trace and the report -------------------------------------- */

static ct_trace_table *query(const char *sql)
{
    ct_error err;
    ct_error_clear(&err);
    ct_trace_db *db = NULL;
    if (ct_trace_db_open(db_path, &db, &err) != CT_OK)
        fail_msg("open: %s", err.msg);
    ct_trace_table *t = NULL;
    if (ct_trace_query(db, sql, &t, &err) != CT_OK)
        fail_msg("query %s: %s", sql, err.msg);
    ct_trace_db_close(db);
    return t;
}

static double query_real(const char *sql)
{
    ct_trace_table *t = query(sql);
    assert_int_equal(ct_trace_table_rows(t), 1);
    double v = ct_trace_table_real(t, 0, 0);
    ct_trace_table_destroy(t);
    return v;
}

/* The opening tag of the element whose attribute `key="value"` is given
 * (static storage). */
static const char *tag_with(const char *key, const char *value)
{
    static char tag[4096];
    char pat[256];
    snprintf(pat, sizeof pat, "%s=\"%s\"", key, value);
    const char *p = strstr(html, pat);
    if (!p)
        fail_msg("no element with %s in the report", pat);
    const char *a = p, *b = strchr(p, '>');
    while (a > html && *a != '<')
        a--;
    assert_non_null(b);
    size_t n = (size_t)(b - a + 1) < sizeof tag ? (size_t)(b - a + 1) : sizeof tag - 1;
    memcpy(tag, a, n);
    tag[n] = '\0';
    return tag;
}

static double attr(const char *tag, const char *name)
{
    char pat[128];
    snprintf(pat, sizeof pat, " %s=\"", name);
    const char *p = strstr(tag, pat);
    if (!p)
        fail_msg("no attribute %s in %s", name, tag);
    return strtod(p + strlen(pat), NULL);
}

static const char *attr_text(const char *tag, const char *name, char *buf, size_t len)
{
    char pat[128];
    snprintf(pat, sizeof pat, " %s=\"", name);
    const char *p = strstr(tag, pat);
    if (!p)
        fail_msg("no attribute %s in %s", name, tag);
    p += strlen(pat);
    size_t n = strcspn(p, "\"");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return buf;
}

/* ---- self-contained, well formed ---------------------------------------------- */

static void test_self_contained(void **state)
{
    (void)state;
    assert_non_null(strstr(html, "<!DOCTYPE html>"));
    assert_non_null(strstr(html, "</html>"));
    static const char *const banned[] = {"http:", "https:", "src=", "<script", "@import", "url(",
                                         "<link", "<img", "href=\"//"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (strstr(html, banned[i]))
            fail_msg("the report contains \"%s\"", banned[i]);
    /* the only links are to the report's own sections */
    for (const char *p = strstr(html, "href=\""); p; p = strstr(p + 1, "href=\""))
        assert_int_equal(p[6], '#');
}

/* Checks one <svg>...</svg> with a minimal XML reader: tags nest and
 * close in order, attributes are quoted, text has no raw '<' and every
 * '&' starts an entity. Returns the length of the element. */
static size_t check_svg(const char *s)
{
    char stack[64][32];
    int depth = 0;
    const char *p = s;
    do {
        if (*p == '<') {
            bool closing = p[1] == '/';
            const char *n = p + 1 + closing;
            size_t nl = strspn(n, "abcdefghijklmnopqrstuvwxyz");
            assert_true(nl > 0 && nl < 32);
            const char *q = n + nl;
            /* attributes: name="value" */
            while (*q && *q != '>' && !(q[0] == '/' && q[1] == '>')) {
                assert_true(*q == ' ');
                q++;
                size_t an = strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
                assert_true(an > 0);
                q += an;
                assert_true(q[0] == '=' && q[1] == '"');
                const char *end = strchr(q + 2, '"');
                assert_non_null(end);
                assert_null(memchr(q + 2, '<', (size_t)(end - q - 2)));
                q = end + 1;
            }
            assert_true(*q != '\0');
            bool self = q[0] == '/';
            if (closing) {
                assert_true(depth > 0);
                depth--;
                assert_true(strlen(stack[depth]) == nl && strncmp(stack[depth], n, nl) == 0);
            } else if (!self) {
                assert_true(depth < 64);
                memcpy(stack[depth], n, nl);
                stack[depth++][nl] = '\0';
            }
            p = strchr(q, '>') + 1;
        } else {
            assert_true(*p != '\0');
            if (*p == '&') {
                const char *semi = strchr(p, ';');
                assert_non_null(semi);
                assert_true(semi - p <= 8);
            }
            p++;
        }
    } while (depth > 0);
    return (size_t)(p - s);
}

static void test_svg_well_formed(void **state)
{
    (void)state;
    int n = 0;
    for (const char *p = strstr(html, "<svg "); p; p = strstr(p, "<svg ")) {
        size_t len = check_svg(p);
        assert_true(len > 100);
        assert_int_equal(strncmp(p + len - 6, "</svg>", 6), 0);
        p += len;
        n++;
    }
    /* two gates x (main + spread), k-value, grades, waterfall, scrap cost */
    assert_int_equal(n, 8);
    int opened = 0, closed = 0;
    for (const char *p = strstr(html, "<svg"); p; p = strstr(p + 1, "<svg"))
        opened++;
    for (const char *p = strstr(html, "</svg>"); p; p = strstr(p + 1, "</svg>"))
        closed++;
    assert_int_equal(opened, closed);
}

/* ---- the numbers ---------------------------------------------------------------- */

static void test_grades(void **state)
{
    (void)state;
    ct_trace_table *t = query("SELECT ct_feature(features, (SELECT idx FROM attribute WHERE "
                              "entity = 'cell' AND name = 'grade')) AS g, count(*) FROM cell "
                              "WHERE state = 'shipped' GROUP BY g ORDER BY g");
    /* bins 1 and 2 of the factory file are A and B */
    assert_int_equal(ct_trace_table_rows(t), 2);
    static const char *const names[] = {"A", "B"};
    for (size_t r = 0; r < 2; r++) {
        assert_int_equal(ct_trace_table_int(t, r, 0), (long long)r + 1);
        long long n = ct_trace_table_int(t, r, 1);
        assert_true(n > 100);
        assert_int_equal((long long)attr(tag_with("data-grade", names[r]), "data-count"), n);
    }
    ct_trace_table_destroy(t);
    double off = query_real("SELECT count(*) FROM cell WHERE state = 'scrapped' AND scrap_cause = "
                            "'off-grade'");
    double other = query_real("SELECT count(*) FROM cell WHERE state = 'scrapped' AND scrap_cause "
                              "IS NOT 'off-grade'");
    assert_true(off > 0 && other > 0);
    const char *fig = tag_with("id", "grade-dist");
    assert_int_equal((long long)attr(fig, "data-off-grade"), (long long)off);
    assert_int_equal((long long)attr(fig, "data-scrapped-other"), (long long)other);
}

static void test_scrap_cost(void **state)
{
    (void)state;
    double usd = query_real("SELECT sum(value_usd) FROM cell WHERE state = 'scrapped'");
    double units = query_real("SELECT count(*) FROM unit WHERE status = 'scrapped'");
    const char *fig = tag_with("id", "scrap");
    assert_true(usd > 0);
    assert_near(attr(fig, "data-cells-usd"), usd, 1e-9 * usd);
    /* no batch or coil is scrapped in this line: the total is the cells' */
    assert_true(units == 0);
    assert_near(attr(fig, "data-total-usd"), usd, 1e-9 * usd);
    /* one row per cause, each its SQL sum */
    double screen = query_real("SELECT sum(value_usd) FROM cell WHERE scrap_cause = "
                               "'self-discharge outlier'");
    assert_near(attr(tag_with("data-cause", "self-discharge outlier"), "data-usd"), screen,
                        1e-9 * screen);
}

static void test_individuals_limits(void **state)
{
    (void)state;
    ct_trace_table *t = query("SELECT m.value FROM cell c, ct_measurements(c.history, c.run_id) m "
                              "WHERE m.gate = 'cap_check' ORDER BY m.time_s, c.serial, m.seq");
    size_t n = ct_trace_table_rows(t);
    /* a 5 % sample of some 7 500 graded cells: few enough for all points */
    assert_true(n > 100 && n <= 400);
    double sum = 0, mr = 0;
    for (size_t i = 0; i < n; i++) {
        double x = ct_trace_table_real(t, i, 0);
        sum += x;
        if (i)
            mr += fabs(x - ct_trace_table_real(t, i - 1, 0));
    }
    ct_trace_table_destroy(t);
    double mean = sum / (double)n, mrbar = mr / (double)(n - 1);
    const char *fig = tag_with("id", "gate-cap_check");
    char kind[32];
    assert_string_equal(attr_text(fig, "data-kind", kind, sizeof kind), "imr");
    assert_int_equal((size_t)attr(fig, "data-points"), n);
    assert_near(attr(fig, "data-center"), mean, 1e-9 * fabs(mean));
    /* d2(2) = 1.128 in Montgomery's table: equal to the table's 4 digits */
    double sigma_tab = mrbar / 1.128;
    assert_near(attr(fig, "data-ucl"), mean + 3 * sigma_tab, 3 * sigma_tab * 5e-4);
    assert_near(attr(fig, "data-lcl"), mean - 3 * sigma_tab, 3 * sigma_tab * 5e-4);
    /* and exactly: d2(2) = E|X1 - X2| / sigma = 2 / sqrt(pi) */
    double sigma = mrbar / (2 / sqrt(PI));
    assert_near(attr(fig, "data-ucl"), mean + 3 * sigma, 1e-9 * fabs(mean));
    assert_near(attr(fig, "data-lcl"), mean - 3 * sigma, 1e-9 * fabs(mean));
    assert_near(attr(fig, "data-sigma"), sigma, 1e-9 * sigma);
    /* the gate's LSL of 250 Ah lies 5 Ah below limits 3 Ah apart: named,
     * not drawn (it would flatten the chart) */
    const char *cap = strstr(html, "id=\"gate-cap_check\"");
    const char *caption = strstr(cap, "<figcaption>");
    assert_non_null(caption);
    const char *named = strstr(caption, "LSL 250 Ah is off the chart, below it");
    assert_non_null(named);
    assert_true(named < strstr(caption, "</figcaption>"));
}

/* The 100 % OCV gate has thousands of measurements: an X-bar/R chart of
 * the first 5 measurements (time order, ties by serial) of each of 100
 * equal slots of the run's end time. */
static void test_xbar_subgroups(void **state)
{
    (void)state;
    double end_s = query_real("SELECT end_s FROM run");
    assert_near(end_s, 86400, 1e-9);
    ct_trace_table *t = query("SELECT m.time_s, m.value FROM cell c, ct_measurements(c.history, "
                              "c.run_id) m WHERE m.gate = 'ocv_check' ORDER BY m.time_s, c.serial, "
                              "m.seq");
    size_t n = ct_trace_table_rows(t);
    assert_true(n > 400);
    double slot_w = end_s / 100, xsum = 0, rsum = 0;
    int k = 0, in_slot = 0;
    long slot = -1;
    double sub[5];
    for (size_t i = 0; i < n; i++) {
        long s = (long)floor(ct_trace_table_real(t, i, 0) / slot_w);
        if (s > 99)
            s = 99;
        if (s != slot) {
            slot = s;
            in_slot = 0;
        }
        if (in_slot < 5)
            sub[in_slot] = ct_trace_table_real(t, i, 1);
        if (++in_slot == 5) {
            double lo = sub[0], hi = sub[0], m = 0;
            for (int j = 0; j < 5; j++) {
                lo = fmin(lo, sub[j]);
                hi = fmax(hi, sub[j]);
                m += sub[j] / 5;
            }
            xsum += m;
            rsum += hi - lo;
            k++;
        }
    }
    ct_trace_table_destroy(t);
    double xbb = xsum / k, rbar = rsum / k;
    const char *fig = tag_with("id", "gate-ocv_check");
    char kind[32];
    assert_string_equal(attr_text(fig, "data-kind", kind, sizeof kind), "xbar-r");
    assert_int_equal((int)attr(fig, "data-subgroup"), 5);
    assert_int_equal((int)attr(fig, "data-points"), k);
    assert_int_equal((size_t)attr(fig, "data-measurements"), n);
    assert_near(attr(fig, "data-center"), xbb, 1e-12 * fabs(xbb));
    /* A2(5) = 0.577 (Montgomery, Appendix VI), to the table's 3 digits */
    assert_near(attr(fig, "data-ucl"), xbb + 0.577 * rbar, 0.0005 * rbar + 1e-12);
    assert_near(attr(fig, "data-lcl"), xbb - 0.577 * rbar, 0.0005 * rbar + 1e-12);
}

static void test_yield(void **state)
{
    (void)state;
    double shipped = query_real("SELECT count(*) FROM cell WHERE state = 'shipped'");
    double scrapped = query_real("SELECT count(*) FROM cell WHERE state = 'scrapped'");
    assert_true(shipped > 0 && scrapped > 0);
    const char *fig = tag_with("id", "yield-waterfall");
    assert_near(attr(fig, "data-yield"), shipped / (shipped + scrapped), 1e-12);
    assert_int_equal((long long)attr(fig, "data-start"), (long long)(shipped + scrapped));
    assert_int_equal((long long)attr(fig, "data-end"), (long long)shipped);
    /* the station rows: what the scrap rate of the test station took */
    double at_test = query_real("SELECT count(*) FROM cell c JOIN station s ON s.station_idx = "
                                "c.scrap_station_idx WHERE s.name = 'test'");
    const char *row = tag_with("data-station", "test");
    assert_int_equal((long long)attr(row, "data-scrapped"), (long long)at_test);
    assert_int_equal((long long)attr(row, "data-entering"), (long long)(shipped + scrapped));
    const char *last = tag_with("data-station", "grade");
    assert_near(attr(last, "data-cum-yield"), shipped / (shipped + scrapped), 1e-12);
}

static void test_kvalue(void **state)
{
    (void)state;
    const char *k = "ct_feature(features, (SELECT idx FROM attribute WHERE name = 'k_value'))";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM cell WHERE %s != 0", k);
    double cells = query_real(sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM cell WHERE %s != 0 AND scrap_cause = 'self-discharge outlier'", k);
    double outliers = query_real(sql);
    assert_true(cells > 1000 && outliers > 0);
    const char *fig = tag_with("id", "k-hist");
    assert_int_equal((long long)attr(fig, "data-cells"), (long long)cells);
    assert_int_equal((long long)attr(fig, "data-outliers"), (long long)outliers);
    assert_int_equal((long long)attr(fig, "data-screened"), (long long)outliers);
}

/* ---- bad input ------------------------------------------------------------------ */

static void expect_fail(const char *args, const char *out, const char *msg)
{
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    assert_int_equal(run(args), 1);
    if (!strstr(err_text, msg))
        fail_msg("stderr \"%s\" does not say \"%s\"", err_text, msg);
    assert_false(exists(out));
    assert_false(exists(tmp));
}

static void test_bad_input(void **state)
{
    (void)state;
    char args[512], out[160];
    snprintf(out, sizeof out, "%s/bad.html", dir);
    /* no database */
    snprintf(args, sizeof args, "report '%s/nope.db' -o '%s'", dir, out);
    expect_fail(args, out, "nope.db: cannot open the trace database");
    /* an SQLite file that is not a trace */
    char other[160];
    snprintf(other, sizeof other, "%s/other.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    snprintf(args, sizeof args, "report '%s' -o '%s'", other, out);
    expect_fail(args, out, "not a celltwin trace database");
    /* a trace of another schema version */
    char v2[160];
    snprintf(v2, sizeof v2, "%s/v2.db", dir);
    snprintf(args, sizeof args, "cp '%s' '%s'", db_path, v2);
    assert_int_equal(system(args), 0);
    assert_int_equal(sqlite3_open(v2, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    snprintf(args, sizeof args, "report '%s' -o '%s'", v2, out);
    expect_fail(args, out, "schema version 2");
    /* an output in a folder that does not exist */
    snprintf(out, sizeof out, "%s/no/such/dir/r.html", dir);
    snprintf(args, sizeof args, "report '%s' -o '%s'", db_path, out);
    expect_fail(args, out, "cannot write the report");
    /* a file-size limit (blocks of 1 kB or 512 B): the write fails midway */
    snprintf(out, sizeof out, "%s/big.html", dir);
    snprintf(args, sizeof args, "report '%s' -o '%s'", db_path, out);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ulimit -f 4; '%s' %s 2>'%s/err'", CT_CLI, args, dir);
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    snprintf(cmd, sizeof cmd, "%s.tmp", out);
    assert_false(exists(out));
    assert_false(exists(cmd));
    /* an unknown run: exit 1; a malformed one: exit 2 */
    snprintf(args, sizeof args, "report '%s' -o '%s' --run ZZZZZZ", db_path, out);
    expect_fail(args, out, "no run ZZZZZZ");
    snprintf(args, sizeof args, "report '%s' -o '%s' --run nope", db_path, out);
    assert_int_equal(run(args), 2);
    assert_false(exists(out));
    /* usage errors */
    snprintf(args, sizeof args, "report '%s'", db_path);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "-o REPORT.html"));
    snprintf(args, sizeof args, "report '%s' -o '%s' --subgroup-size 1", db_path, out);
    assert_int_equal(run(args), 2);
    assert_false(exists(out));
    /* the report would replace the database */
    snprintf(args, sizeof args, "report '%s' -o '%s'", db_path, db_path);
    assert_int_equal(run(args), 2);
    assert_non_null(strstr(err_text, "would overwrite the trace database"));
    assert_true(query_real("SELECT count(*) FROM run") == 1);
    /* a failure leaves an existing report as it was */
    const char *kept = write_file("kept.html", "old report\n");
    snprintf(args, sizeof args, "report '%s/nope.db' -o '%s'", dir, kept);
    assert_int_equal(run(args), 1);
    char *text = read_all(kept);
    assert_non_null(text);
    assert_string_equal(text, "old report\n");
    free(text);
}

/* The run is found by its code; the report names it. */
static void test_run_code(void **state)
{
    (void)state;
    ct_trace_table *t = query("SELECT code FROM run");
    char code[16];
    snprintf(code, sizeof code, "%s", ct_trace_table_text(t, 0, 0));
    ct_trace_table_destroy(t);
    char args[512], out[160];
    snprintf(out, sizeof out, "%s/by-code.html", dir);
    /* lower case and O for 0 are accepted, as for serials */
    char typed[16];
    snprintf(typed, sizeof typed, "%s", code);
    for (char *p = typed; *p; p++)
        *p = (char)(*p == '0' ? 'o' : (*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
    snprintf(args, sizeof args, "report '%s' -o '%s' --run %s", db_path, out, typed);
    assert_int_equal(run(args), 0);
    char *text = read_all(out);
    assert_non_null(text);
    char want[64];
    snprintf(want, sizeof want, "data-code=\"%s\"", code);
    assert_non_null(strstr(text, want));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_contained),
        cmocka_unit_test(test_svg_well_formed),
        cmocka_unit_test(test_grades),
        cmocka_unit_test(test_scrap_cost),
        cmocka_unit_test(test_individuals_limits),
        cmocka_unit_test(test_xbar_subgroups),
        cmocka_unit_test(test_yield),
        cmocka_unit_test(test_kvalue),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_run_code),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
