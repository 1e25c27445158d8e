/*
 * dist.c - the random distributions of factory files: parsing "exp(2 min)"
 * and friends into a ct_dist, drawing from one, its theoretical moments and
 * its canonical text form.
 *
 * Parsing does the expensive part once (logs, reciprocals, the lognormal's
 * mu and sigma) so that a draw is a uniform plus a few flops: exp is one
 * log, normal one AS241 quantile. Every sampler is an inverse CDF or uses a
 * fixed count of uniforms (k for Erlang), with no rejection loops except the
 * redraw of negative times: the n-th draw of a stream depends only on the
 * stream and n, and a parameter change (other than Erlang's k) does not
 * shift later draws.
 */
#include "celltwin/dist.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/units_internal.h"
#include "engine/ziggurat.h"

/* A negative time draw is redrawn up to this many times, then 0. For a
 * time normal(m, sd) the loop runs past 64 tries with probability
 * P(X<0)^64, negligible unless the distribution is almost all negative,
 * in which case 0 is the honest answer and the bound keeps it cheap. */
enum { TRUNCATE_TRIES = 64 };

/* Erlang k is a count of exponential stages: above this the shape is
 * nearly a constant (cv = 1/sqrt(k) < 3%) and a draw would cost k logs'
 * worth of uniforms; normal(...) says the same thing cheaply. */
enum { ERLANG_K_MAX = 1000 };

/* Uniforms multiplied before one log in the Erlang sampler. Each uniform is
 * >= 2^-53, so 16 of them stay >= 2^-848, clear of underflow (2^-1022). */
enum { ERLANG_CHUNK = 16 };

/* Longest argument text quoted back in a message. */
enum { QUOTE_MAX = 60 };

/* ------------------------------------------------------------------ */
/* Signatures: one row per distribution name, used by parse and format. */

typedef struct dist_sig {
    const char *name;
    ct_dist_kind kind;
    const char *usage;        /* "normal(mean, sd)", the prefix of messages */
    int nargs;                /* -1: one or more (empirical) */
    const char *argname[3];
    unsigned dimless;         /* bit i: argument i has no dimension */
    unsigned difference;      /* bit i: argument i is a spread, no unit offset */
} dist_sig;

static const dist_sig SIGS[] = {
    {"const", CT_DIST_CONST, "const(x)", 1, {"x"}, 0, 0},
    {"exp", CT_DIST_EXP, "exp(mean)", 1, {"mean"}, 0, 0},
    {"erlang", CT_DIST_ERLANG, "erlang(k, mean)", 2, {"k", "mean"}, 1u << 0, 0},
    {"normal", CT_DIST_NORMAL, "normal(mean, sd)", 2, {"mean", "sd"}, 0, 1u << 1},
    {"lognormal", CT_DIST_LOGNORMAL, "lognormal(mean, sd)", 2, {"mean", "sd"}, 0, 1u << 1},
    {"uniform", CT_DIST_UNIFORM, "uniform(a, b)", 2, {"a", "b"}, 0, 0},
    {"triangular", CT_DIST_TRIANGULAR, "triangular(a, mode, b)", 3, {"a", "mode", "b"}, 0, 0},
    {"weibull", CT_DIST_WEIBULL, "weibull(shape, scale)", 2, {"shape", "scale"}, 1u << 0, 0},
    {"empirical", CT_DIST_EMPIRICAL, "empirical(v1, v2, ...)", -1, {"v"}, 0, 0},
};

enum { N_SIGS = sizeof SIGS / sizeof SIGS[0] };

/* ------------------------------------------------------------------ */
/* Messages */

static void why_set(char *why, size_t whylen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void why_set(char *why, size_t whylen, const char *fmt, ...)
{
    if (why == NULL || whylen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

static int quote_len(size_t len)
{
    return (int)(len > QUOTE_MAX ? QUOTE_MAX : len);
}

static const char *quote_tail(size_t len)
{
    return len > QUOTE_MAX ? "..." : "";
}

/* ------------------------------------------------------------------ */
/* Constructors and ownership */

ct_dist ct_dist_const(double value)
{
    ct_dist d;
    memset(&d, 0, sizeof d);
    d.kind = CT_DIST_CONST;
    d.truncate_at_zero = false;
    d.p[0] = value;
    d.values = NULL;
    d.n_values = 0;
    return d;
}

void ct_dist_clear(ct_dist *d)
{
    if (d == NULL)
        return;
    free(d->values);
    *d = ct_dist_const(0);
}

/* dst is overwritten, not cleared first: clear it yourself if it owned a
 * table. On CT_ERR_NOMEM dst is left as const(0). */
ct_status ct_dist_copy(ct_dist *dst, const ct_dist *src)
{
    if (dst == src)
        return CT_OK;
    ct_dist tmp = *src;
    tmp.values = NULL;
    if (src->values != NULL && src->n_values > 0) {
        tmp.values = malloc(src->n_values * sizeof *tmp.values);
        if (tmp.values == NULL) {
            *dst = ct_dist_const(0);
            return CT_ERR_NOMEM;
        }
        memcpy(tmp.values, src->values, src->n_values * sizeof *tmp.values);
    } else {
        tmp.n_values = 0;
    }
    *dst = tmp;
    return CT_OK;
}

/* ------------------------------------------------------------------ */
/* Parsing */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space((*s)[0]))
        (*s)++, (*n)--;
    while (*n > 0 && is_space((*s)[*n - 1]))
        (*n)--;
}

static const dist_sig *find_sig(const char *name, size_t len)
{
    for (size_t i = 0; i < N_SIGS; i++)
        if (strlen(SIGS[i].name) == len && memcmp(SIGS[i].name, name, len) == 0)
            return &SIGS[i];
    return NULL;
}

static ct_status unknown_name(const char *name, size_t len, char *why, size_t whylen)
{
    char list[256];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < N_SIGS && used < sizeof list; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", i > 0 ? ", " : "",
                         SIGS[i].name);
        used += n > 0 ? (size_t)n : 0;
    }
    why_set(why, whylen, "unknown distribution \"%.*s%s\"; expected one of %s",
            quote_len(len), name, quote_tail(len), list);
    return CT_ERR_PARSE;
}

/* An argument slice, trimmed, with its parsed value. */
typedef struct arg {
    const char *text;
    size_t len;
    double value;
} arg;

/* Parses argument i (0-based) of sig, writing a message that names the
 * distribution and the argument on failure. */
static ct_status parse_arg(const dist_sig *sig, size_t i, const char *text, size_t len,
                           ct_dim dim, double *out, char *why, size_t whylen)
{
    size_t slot = sig->nargs < 0 ? 0 : i;
    bool dimless = (sig->dimless >> slot) & 1u;
    bool difference = (sig->difference >> slot) & 1u;
    char sub[512];
    ct_status st = cti_quantity_parse_n(text, len, dimless ? CT_DIM_NONE : dim, false,
                                        difference, out, sub, sizeof sub);
    if (st == CT_OK)
        return CT_OK;
    if (sig->nargs < 0)
        why_set(why, whylen, "%s: v%zu: %s", sig->usage, i + 1, sub);
    else
        why_set(why, whylen, "%s: %s: %s", sig->usage, sig->argname[i], sub);
    return st;
}

/* "exp(mean): mean must be > 0, got -1" */
static ct_status bad_range(const dist_sig *sig, const arg *a, const char *name,
                           const char *rule, char *why, size_t whylen)
{
    why_set(why, whylen, "%s: %s must be %s, got %.*s%s", sig->usage, name, rule,
            quote_len(a->len), a->text, quote_tail(a->len));
    return CT_ERR_PARSE;
}

/* Checks ranges and precomputes the sampler's helpers in d->p. */
static ct_status build(const dist_sig *sig, const arg *a, ct_dist *d,
                       char *why, size_t whylen)
{
    switch (sig->kind) {
    case CT_DIST_CONST:
        d->p[0] = a[0].value;
        return CT_OK;
    case CT_DIST_EXP:
        if (!(a[0].value > 0))
            return bad_range(sig, &a[0], "mean", "> 0", why, whylen);
        d->p[0] = a[0].value;    /* draw = mean * standard exponential */
        d->p[1] = a[0].value;
        cti_ziggurat_init();
        return CT_OK;
    case CT_DIST_ERLANG: {
        double k = a[0].value;
        if (!(k >= 1 && k <= ERLANG_K_MAX && k == floor(k))) {
            char rule[64];
            snprintf(rule, sizeof rule, "an integer from 1 to %d", (int)ERLANG_K_MAX);
            return bad_range(sig, &a[0], "k", rule, why, whylen);
        }
        if (!(a[1].value > 0))
            return bad_range(sig, &a[1], "mean", "> 0", why, whylen);
        d->p[0] = -a[1].value / k;   /* each stage has mean mean/k */
        d->p[1] = k;
        d->p[2] = a[1].value;
        return CT_OK;
    }
    case CT_DIST_NORMAL:
        if (!(a[1].value >= 0))
            return bad_range(sig, &a[1], "sd", ">= 0", why, whylen);
        d->p[0] = a[0].value;
        d->p[1] = a[1].value;
        return CT_OK;
    case CT_DIST_LOGNORMAL: {
        double m = a[0].value, s = a[1].value;
        if (!(m > 0))
            return bad_range(sig, &a[0], "mean", "> 0", why, whylen);
        if (!(s >= 0))
            return bad_range(sig, &a[1], "sd", ">= 0", why, whylen);
        /* X = exp(mu + sigma Z): E X = exp(mu + sigma^2/2),
         * Var X = (E X)^2 (exp(sigma^2) - 1). log1p keeps small cv exact. */
        double cv = s / m;
        double sigma2 = log1p(cv * cv);
        d->p[0] = log(m) - 0.5 * sigma2;
        d->p[1] = sqrt(sigma2);
        d->p[2] = m;
        d->p[3] = s;
        return CT_OK;
    }
    case CT_DIST_UNIFORM:
        if (!(a[0].value < a[1].value)) {
            why_set(why, whylen, "%s: expected a < b, got a = %.*s%s, b = %.*s%s",
                    sig->usage, quote_len(a[0].len), a[0].text, quote_tail(a[0].len),
                    quote_len(a[1].len), a[1].text, quote_tail(a[1].len));
            return CT_ERR_PARSE;
        }
        d->p[0] = a[0].value;
        d->p[1] = a[1].value;
        d->p[2] = a[1].value - a[0].value;
        return CT_OK;
    case CT_DIST_TRIANGULAR: {
        double lo = a[0].value, mode = a[1].value, hi = a[2].value;
        if (!(lo <= mode && mode <= hi && lo < hi)) {
            why_set(why, whylen,
                    "%s: expected a <= mode <= b and a < b, got a = %.*s%s, mode = %.*s%s, b = %.*s%s",
                    sig->usage, quote_len(a[0].len), a[0].text, quote_tail(a[0].len),
                    quote_len(a[1].len), a[1].text, quote_tail(a[1].len),
                    quote_len(a[2].len), a[2].text, quote_tail(a[2].len));
            return CT_ERR_PARSE;
        }
        d->p[0] = lo;
        d->p[1] = mode;
        d->p[2] = hi;
        d->p[3] = (mode - lo) / (hi - lo);   /* CDF at the mode */
        return CT_OK;
    }
    case CT_DIST_WEIBULL:
        if (!(a[0].value > 0))
            return bad_range(sig, &a[0], "shape", "> 0", why, whylen);
        if (!(a[1].value > 0))
            return bad_range(sig, &a[1], "scale", "> 0", why, whylen);
        d->p[0] = a[0].value;
        d->p[1] = a[1].value;
        d->p[2] = 1.0 / a[0].value;
        return CT_OK;
    case CT_DIST_EMPIRICAL:
        return CT_OK;   /* values are filled by the caller */
    }
    assert(false && "unhandled distribution kind");
    return CT_ERR_INVALID;
}

/* Parses "name(args)" starting at text (already trimmed, starts with a letter). */
/* True when no draw of d can be negative, so truncation at zero is moot. */
static bool never_negative(const ct_dist *d)
{
    switch (d->kind) {
    case CT_DIST_EXP:
    case CT_DIST_ERLANG:
    case CT_DIST_LOGNORMAL:
    case CT_DIST_WEIBULL:
        return true;
    case CT_DIST_CONST:
    case CT_DIST_UNIFORM:
    case CT_DIST_TRIANGULAR:
        return d->p[0] >= 0;   /* the value, or the lower bound */
    case CT_DIST_EMPIRICAL:
        for (size_t i = 0; i < d->n_values; i++)
            if (d->values[i] < 0)
                return false;
        return true;
    case CT_DIST_NORMAL:
        return false;
    }
    return false;
}

static ct_status parse_call(const char *text, size_t len, ct_dim dim, ct_dist *d,
                            char *why, size_t whylen)
{
    size_t i = 0;
    while (i < len && is_alnum(text[i]))
        i++;
    const dist_sig *sig = find_sig(text, i);
    if (sig == NULL)
        return unknown_name(text, i, why, whylen);

    size_t open = i;
    while (open < len && is_space(text[open]))
        open++;
    if (open == len || text[open] != '(') {
        why_set(why, whylen, "%s: expected \"(\" after \"%s\", got \"%.*s%s\"",
                sig->usage, sig->name, quote_len(len), text, quote_tail(len));
        return CT_ERR_PARSE;
    }
    const char *close = memchr(text + open + 1, ')', len - open - 1);
    if (close == NULL) {
        why_set(why, whylen, "%s: missing \")\" in \"%.*s%s\"",
                sig->usage, quote_len(len), text, quote_tail(len));
        return CT_ERR_PARSE;
    }
    size_t after = (size_t)(close - text) + 1;
    while (after < len && is_space(text[after]))
        after++;
    if (after < len) {
        why_set(why, whylen, "%s: unexpected text after \")\": \"%.*s%s\"",
                sig->usage, quote_len(len - after), text + after, quote_tail(len - after));
        return CT_ERR_PARSE;
    }

    const char *inner = text + open + 1;
    size_t inner_len = (size_t)(close - inner);
    const char *probe = inner;
    size_t probe_len = inner_len;
    trim(&probe, &probe_len);
    size_t nargs = 0;
    if (probe_len > 0) {
        nargs = 1;
        for (size_t j = 0; j < inner_len; j++)
            nargs += inner[j] == ',';
    }

    if (sig->nargs >= 0 && nargs != (size_t)sig->nargs) {
        why_set(why, whylen, "%s: expected %d argument%s, got %zu", sig->usage,
                sig->nargs, sig->nargs == 1 ? "" : "s", nargs);
        return CT_ERR_PARSE;
    }
    if (sig->nargs < 0 && nargs == 0) {
        why_set(why, whylen, "%s: expected at least 1 value, got 0", sig->usage);
        return CT_ERR_PARSE;
    }

    double *values = NULL;
    if (sig->kind == CT_DIST_EMPIRICAL) {
        values = malloc(nargs * sizeof *values);
        if (values == NULL) {
            why_set(why, whylen, "%s: out of memory for %zu values", sig->usage, nargs);
            return CT_ERR_NOMEM;
        }
    }

    arg a[3];
    memset(a, 0, sizeof a);
    const char *p = inner;
    const char *end = inner + inner_len;
    for (size_t k = 0; k < nargs; k++) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma != NULL ? comma : end;
        const char *at = p;
        size_t n = (size_t)(stop - p);
        trim(&at, &n);
        double v;
        ct_status st = parse_arg(sig, k, at, n, dim, &v, why, whylen);
        if (st != CT_OK) {
            free(values);
            return st;
        }
        if (values != NULL) {
            values[k] = v;
        } else {
            a[k].text = at;
            a[k].len = n;
            a[k].value = v;
        }
        p = stop + 1;
    }

    memset(d, 0, sizeof *d);
    d->kind = sig->kind;
    d->truncate_at_zero = dim == CT_DIM_TIME;
    d->values = values;
    d->n_values = values != NULL ? nargs : 0;
    ct_status st = build(sig, a, d, why, whylen);
    if (st != CT_OK) {
        free(values);
        d->values = NULL;
    } else if (d->truncate_at_zero && never_negative(d)) {
        d->truncate_at_zero = false;   /* nothing to truncate: skip the test per draw */
    }
    return st;
}

/* On failure *out is set to const(0), so clearing it is always safe. */
ct_status ct_dist_parse(const char *text, ct_dim dim, ct_dist *out,
                        char *why, size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    if (text == NULL)
        text = "";
    size_t len = strlen(text);
    trim(&text, &len);

    ct_dist d = ct_dist_const(0);
    ct_status st;
    if (len > 0 && is_alpha(text[0])) {
        st = parse_call(text, len, dim, &d, why, whylen);
    } else {
        /* A bare quantity; numbers never start with a letter, so the two
         * forms cannot be confused. */
        double v;
        st = cti_quantity_parse_n(text, len, dim, false, false, &v, why, whylen);
        if (st == CT_OK) {
            d = ct_dist_const(v);
            d.truncate_at_zero = dim == CT_DIM_TIME && v < 0;
        }
    }
    *out = st == CT_OK ? d : ct_dist_const(0);
    return st;
}

/* ------------------------------------------------------------------ */
/* Sampling */

/* Standard normal quantile, Wichura's AS241 (PPND16), Applied Statistics
 * 37(3):477-484, 1988; relative accuracy about 1e-16. Chosen over polar or
 * ziggurat methods because it turns exactly one uniform into one normal,
 * so streams stay aligned whatever the values drawn. Coefficients as in
 * the paper (and R's qnorm.c). */
double ct_std_normal_quantile(double p)
{
    double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        double r = 0.180625 - q * q;
        return q * (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                         6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r +
                       1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
                     1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) /
               (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                     3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r +
                   5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
                 4.2313330701600911252e+1) * r + 1.0);
    }
    /* p is in (0, 1) open (ct_rng_uniform), so r > 0 and log(r) is finite. */
    double r = q < 0 ? p : 1.0 - p;
    r = sqrt(-log(r));
    double x;
    if (r <= 5.0) {
        r -= 1.6;
        x = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                  2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r +
                3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r +
              4.63033784615654529590e+0) * r + 1.42343711074968357734e+0) /
            (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                  1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r +
                6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r +
              2.05319162663775882187e+0) * r + 1.0);
    } else {
        r -= 5.0;
        x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                  1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r +
                2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r +
              5.46378491116411436990e+0) * r + 6.65790464350110377720e+0) /
            (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                  1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r +
                1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
              5.99832206555887937690e-1) * r + 1.0);
    }
    return q < 0 ? -x : x;
}

double ct_dist_std_normal(ct_rng *rng)
{
    return ct_std_normal_quantile(ct_rng_uniform(rng));
}

static double draw_erlang(const ct_dist *d, ct_rng *rng)
{
    /* Sum of k exponentials = -(mean/k) * log(prod u): one log per chunk
     * instead of one per stage. */
    unsigned k = (unsigned)d->p[1];
    double sum_log = 0.0;
    while (k > 0) {
        unsigned m = k < ERLANG_CHUNK ? k : ERLANG_CHUNK;
        double prod = 1.0;
        for (unsigned i = 0; i < m; i++)
            prod *= ct_rng_uniform(rng);
        sum_log += log(prod);
        k -= m;
    }
    return d->p[0] * sum_log;
}

static double draw_triangular(const ct_dist *d, double u)
{
    double lo = d->p[0], mode = d->p[1], hi = d->p[2];
    if (u < d->p[3])
        return lo + sqrt(u * (hi - lo) * (mode - lo));
    return hi - sqrt((1.0 - u) * (hi - lo) * (hi - mode));
}

static double draw_empirical(const ct_dist *d, double u)
{
    assert(d->values != NULL && d->n_values > 0);
    size_t i = (size_t)(u * (double)d->n_values);
    /* u < 1, but u * n can round up to n when n is large */
    return d->values[i < d->n_values ? i : d->n_values - 1];
}

static inline double draw(const ct_dist *d, ct_rng *rng)
{
    switch (d->kind) {
    case CT_DIST_CONST:
        return d->p[0];
    case CT_DIST_EXP:
        return d->p[0] * cti_ziggurat_exp(rng);
    case CT_DIST_ERLANG:
        return draw_erlang(d, rng);
    case CT_DIST_NORMAL:
        return d->p[0] + d->p[1] * ct_std_normal_quantile(ct_rng_uniform(rng));
    case CT_DIST_LOGNORMAL:
        return exp(d->p[0] + d->p[1] * ct_std_normal_quantile(ct_rng_uniform(rng)));
    case CT_DIST_UNIFORM:
        return d->p[0] + d->p[2] * ct_rng_uniform(rng);
    case CT_DIST_TRIANGULAR:
        return draw_triangular(d, ct_rng_uniform(rng));
    case CT_DIST_WEIBULL:
        return d->p[1] * pow(-log(ct_rng_uniform(rng)), d->p[2]);
    case CT_DIST_EMPIRICAL:
        return draw_empirical(d, ct_rng_uniform(rng));
    }
    assert(false && "unhandled distribution kind");
    return 0.0;
}

double ct_dist_sample(const ct_dist *d, ct_rng *rng)
{
    double x = draw(d, rng);
    if (d->truncate_at_zero && x < 0) {
        /* Rejection keeps the exact shape of the distribution conditioned
         * on x >= 0; clamping would pile the negative mass up at 0. */
        for (int i = 0; i < TRUNCATE_TRIES; i++) {
            x = draw(d, rng);
            if (x >= 0)
                return x;
        }
        return 0.0;
    }
    return x;
}

/* ------------------------------------------------------------------ */
/* Moments */

static double empirical_mean(const ct_dist *d)
{
    double s = 0.0;
    for (size_t i = 0; i < d->n_values; i++)
        s += d->values[i];
    return d->n_values > 0 ? s / (double)d->n_values : 0.0;
}

double ct_dist_mean(const ct_dist *d)
{
    switch (d->kind) {
    case CT_DIST_CONST:
        return d->p[0];
    case CT_DIST_EXP:
        return d->p[1];
    case CT_DIST_ERLANG:
        return d->p[2];
    case CT_DIST_NORMAL:
        return d->p[0];
    case CT_DIST_LOGNORMAL:
        return d->p[2];
    case CT_DIST_UNIFORM:
        return 0.5 * (d->p[0] + d->p[1]);
    case CT_DIST_TRIANGULAR:
        return (d->p[0] + d->p[1] + d->p[2]) / 3.0;
    case CT_DIST_WEIBULL:
        return d->p[1] * tgamma(1.0 + d->p[2]);
    case CT_DIST_EMPIRICAL:
        return empirical_mean(d);
    }
    assert(false && "unhandled distribution kind");
    return 0.0;
}

double ct_dist_variance(const ct_dist *d)
{
    switch (d->kind) {
    case CT_DIST_CONST:
        return 0.0;
    case CT_DIST_EXP:
        return d->p[1] * d->p[1];
    case CT_DIST_ERLANG:
        return d->p[2] * d->p[2] / d->p[1];
    case CT_DIST_NORMAL:
        return d->p[1] * d->p[1];
    case CT_DIST_LOGNORMAL:
        return d->p[3] * d->p[3];
    case CT_DIST_UNIFORM: {
        double w = d->p[1] - d->p[0];
        return w * w / 12.0;
    }
    case CT_DIST_TRIANGULAR: {
        double a = d->p[0], c = d->p[1], b = d->p[2];
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    }
    case CT_DIST_WEIBULL: {
        double g1 = tgamma(1.0 + d->p[2]);
        double g2 = tgamma(1.0 + 2.0 * d->p[2]);
        return d->p[1] * d->p[1] * (g2 - g1 * g1);
    }
    case CT_DIST_EMPIRICAL: {
        /* each value equally likely: the population variance, two-pass */
        double m = empirical_mean(d), s = 0.0;
        for (size_t i = 0; i < d->n_values; i++)
            s += (d->values[i] - m) * (d->values[i] - m);
        return d->n_values > 0 ? s / (double)d->n_values : 0.0;
    }
    }
    assert(false && "unhandled distribution kind");
    return 0.0;
}

/* ------------------------------------------------------------------ */
/* Canonical text */

/* Shortest of %.15g, %.16g, %.17g that reads back as the same double:
 * exact for round trips, and "0.1" stays "0.1" rather than
 * "0.10000000000000001". printf and strtod agree on LC_NUMERIC's decimal
 * point; the text written is always '.', which is what the parser reads. */
static void format_number(double x, char *buf, size_t len)
{
    if (!isfinite(x)) {
        /* only from hand-built dists, e.g. ct_dist_const(INFINITY) for a
         * machine that never fails; readable, though not re-parseable */
        snprintf(buf, len, "%s", isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    for (char *c = buf; *c != '\0'; c++)
        if (!(*c >= '0' && *c <= '9') && *c != '-' && *c != '+' && *c != 'e')
            *c = '.';
}

/* Appends to a fixed buffer, truncating (still NUL-terminated) when full. */
typedef struct sbuf {
    char *buf;
    size_t len, used;
} sbuf;

static void sb_puts(sbuf *sb, const char *s)
{
    if (sb->len == 0)
        return;
    size_t n = strlen(s);
    size_t room = sb->len - 1 - sb->used;
    if (n > room)
        n = room;
    memcpy(sb->buf + sb->used, s, n);
    sb->used += n;
    sb->buf[sb->used] = '\0';
}

static void sb_num(sbuf *sb, double x)
{
    char num[40];
    format_number(x, num, sizeof num);
    sb_puts(sb, num);
}

/* The canonical form names the distribution even for constants
 * ("const(5)"), and prints every parameter in base units, without units,
 * so that ct_dist_parse reads it back to the same ct_dist. If buflen is
 * too small the text is cut (still NUL-terminated). */
void ct_dist_format(const ct_dist *d, char *buf, size_t buflen)
{
    sbuf sb = {buf, buflen, 0};
    if (buflen > 0)
        buf[0] = '\0';
    const dist_sig *sig = NULL;
    for (size_t i = 0; i < N_SIGS; i++)
        if (SIGS[i].kind == d->kind)
            sig = &SIGS[i];
    assert(sig != NULL);
    if (sig == NULL)
        return;

    sb_puts(&sb, sig->name);
    sb_puts(&sb, "(");
    switch (d->kind) {
    case CT_DIST_CONST:
        sb_num(&sb, d->p[0]);
        break;
    case CT_DIST_EXP:
        sb_num(&sb, d->p[1]);
        break;
    case CT_DIST_ERLANG:
        sb_num(&sb, d->p[1]);
        sb_puts(&sb, ", ");
        sb_num(&sb, d->p[2]);
        break;
    case CT_DIST_NORMAL:
    case CT_DIST_WEIBULL:
        sb_num(&sb, d->p[0]);
        sb_puts(&sb, ", ");
        sb_num(&sb, d->p[1]);
        break;
    case CT_DIST_LOGNORMAL:
        sb_num(&sb, d->p[2]);
        sb_puts(&sb, ", ");
        sb_num(&sb, d->p[3]);
        break;
    case CT_DIST_UNIFORM:
        sb_num(&sb, d->p[0]);
        sb_puts(&sb, ", ");
        sb_num(&sb, d->p[1]);
        break;
    case CT_DIST_TRIANGULAR:
        sb_num(&sb, d->p[0]);
        sb_puts(&sb, ", ");
        sb_num(&sb, d->p[1]);
        sb_puts(&sb, ", ");
        sb_num(&sb, d->p[2]);
        break;
    case CT_DIST_EMPIRICAL:
        for (size_t i = 0; i < d->n_values; i++) {
            if (i > 0)
                sb_puts(&sb, ", ");
            sb_num(&sb, d->values[i]);
        }
        break;
    }
    sb_puts(&sb, ")");
}
