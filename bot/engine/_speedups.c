/* Optional C versions of the engine's hot loops: word masking, the identifier scan and
 * the sightings of identifiers, the duration scan, template matching, record counting and
 * the record loop that drives them.
 *
 * Each function here does exactly what a Python function does (named in its comment);
 * tests/engine/test_speedups.py compares them on generated and real-format messages.
 * Without a compiler the module is not built and the Python versions run instead.
 * Character classes follow Python's `re` for str patterns: \d is Py_UNICODE_ISDECIMAL,
 * \s Py_UNICODE_ISSPACE, \w Py_UNICODE_ISALNUM or '_'.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>
#include <structmember.h>

static PyObject *WILDCARD;    /* "<*>" */
static PyObject *SPACE;       /* " " */
static PyObject *ONE;         /* 1 */
static PyObject *EMPTY_TUPLE; /* () */

#define AT(i) PyUnicode_READ(kind, data, (i))

static int is_word_char(Py_UCS4 c) { return Py_UNICODE_ISALNUM(c) || c == '_'; }

/* \b right after a word character at position p - 1 */
static int boundary_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t p)
{
    return p >= n || !is_word_char(AT(p));
}

static int starts_with(int kind, const void *data, Py_ssize_t n, Py_ssize_t at,
                       const char *text)
{
    for (Py_ssize_t k = 0; text[k]; k++) {
        if (at + k >= n || AT(at + k) != (Py_UCS4)(unsigned char)text[k])
            return 0;
    }
    return 1;
}

static int is_dec(int kind, const void *data, Py_ssize_t n, Py_ssize_t i)
{
    return i < n && Py_UNICODE_ISDECIMAL(AT(i));
}

/* masking._SPAN_UNIT matched at a digit followed by whitespace: what follows at j */
static int unit_after(int kind, const void *data, Py_ssize_t n, Py_ssize_t j)
{
    static const char *words[] = {"sec", "msec", "millis", "min", "hour", "day", NULL};
    if (j >= n)
        return 0;
    for (int w = 0; words[w]; w++) {
        if (starts_with(kind, data, n, j, words[w]))
            return 1;
    }
    Py_UCS4 c = AT(j);
    if (c == 'K' || c == 'M' || c == 'G' || c == 'T' || c == 'P') { /* [KMGTP]i?B\b */
        if (j + 2 < n && AT(j + 1) == 'i' && AT(j + 2) == 'B' &&
            boundary_at(kind, data, n, j + 3))
            return 1;
        if (j + 1 < n && AT(j + 1) == 'B' && boundary_at(kind, data, n, j + 2))
            return 1;
    }
    if ((c == 'k' || c == 'K' || c == 'M' || c == 'G' || c == 'T') &&
        boundary_at(kind, data, n, j + 1)) /* [kKMGT]\b */
        return 1;
    if (starts_with(kind, data, n, j, "byte")) { /* bytes?\b */
        if (j + 4 < n && AT(j + 4) == 's' && boundary_at(kind, data, n, j + 5))
            return 1;
        if (boundary_at(kind, data, n, j + 4))
            return 1;
    }
    if (c == 'B' && boundary_at(kind, data, n, j + 1)) /* B\b */
        return 1;
    if (is_dec(kind, data, n, j)) { /* \d{1,2}:\d{2} */
        if (j + 1 < n && AT(j + 1) == ':' && is_dec(kind, data, n, j + 2) &&
            is_dec(kind, data, n, j + 3))
            return 1;
        if (is_dec(kind, data, n, j + 1) && j + 2 < n && AT(j + 2) == ':' &&
            is_dec(kind, data, n, j + 3) && is_dec(kind, data, n, j + 4))
            return 1;
    }
    return 0;
}

static const char *MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", NULL};

/* masking._SPAN_MONTH matched at i: (?:Jan|...|Dec)[a-z]*\s+\d */
static int month_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t i)
{
    int found = 0;
    for (int m = 0; MONTHS[m]; m++) {
        if (starts_with(kind, data, n, i, MONTHS[m])) {
            found = 1;
            break;
        }
    }
    if (!found)
        return 0;
    Py_ssize_t j = i + 3;
    while (j < n && AT(j) >= 'a' && AT(j) <= 'z')
        j++;
    if (j >= n || !Py_UNICODE_ISSPACE(AT(j)))
        return 0;
    while (j < n && Py_UNICODE_ISSPACE(AT(j)))
        j++;
    return is_dec(kind, data, n, j);
}

/* masking._has_span: _SPAN_UNIT.search(message) or _SPAN_MONTH.search(message) */
static PyObject *has_span(PyObject *self, PyObject *message)
{
    if (!PyUnicode_Check(message)) {
        PyErr_SetString(PyExc_TypeError, "has_span() expects a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(message);
    int kind = PyUnicode_KIND(message);
    const void *data = PyUnicode_DATA(message);
    for (Py_ssize_t i = 0; i + 1 < n; i++) { /* one pass for both shapes */
        Py_UCS4 c = AT(i);
        if (c < 128) {
            switch (c) { /* the first letters of the month names */
            case 'J': case 'F': case 'M': case 'A': case 'S': case 'O': case 'N': case 'D':
                if (i + 3 < n && month_at(kind, data, n, i))
                    Py_RETURN_TRUE;
                continue;
            }
            if ((c < '0' || c > '9') || !Py_UNICODE_ISSPACE(AT(i + 1)))
                continue;
        } else if (!Py_UNICODE_ISDECIMAL(c) || !Py_UNICODE_ISSPACE(AT(i + 1))) {
            continue;
        }
        if (unit_after(kind, data, n, i + 2))
            Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

/* [0-9]+(?:\.[0-9]+){0,3} */
static int is_dotted_number(int kind, const void *data, Py_ssize_t n)
{
    int dots = 0, run = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = AT(i);
        if (c >= '0' && c <= '9') {
            run++;
        } else if (c == '.' && run > 0 && dots < 3) {
            dots++;
            run = 0;
        } else {
            return 0;
        }
    }
    return run > 0;
}

/* (?=[a-f]*[0-9])[0-9a-f]{6,} */
static int is_hex_value(int kind, const void *data, Py_ssize_t n)
{
    int digit = 0;
    if (n < 6)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = AT(i);
        if (c >= '0' && c <= '9')
            digit = 1;
        else if (c < 'a' || c > 'f')
            return 0;
    }
    return digit;
}

static int is_path_char(Py_UCS4 c)
{
    return is_word_char(c) || c == '.' || c == '$' || c == '@' || c == '+' || c == '~' ||
           c == '-';
}

/* (?:/[\w.$@+~-]+){2,}/? */
static int is_path(int kind, const void *data, Py_ssize_t n)
{
    Py_ssize_t i = 0;
    int segments = 0;
    while (i < n) {
        if (AT(i) != '/')
            return 0;
        i++;
        if (i == n) /* a trailing slash */
            return segments >= 2;
        Py_ssize_t start = i;
        while (i < n && is_path_char(AT(i)))
            i++;
        if (i == start)
            return 0;
        segments++;
    }
    return segments >= 2;
}

static int ascii_letter(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* [A-Za-z]+(?:[-_][A-Za-z]+)*-[0-9]+ */
static int is_name_number(int kind, const void *data, Py_ssize_t n)
{
    Py_ssize_t i = 0;
    for (;;) {
        Py_ssize_t start = i;
        while (i < n && ascii_letter(AT(i)))
            i++;
        if (i == start || i + 1 >= n) /* letters, a separator and more */
            return 0;
        Py_UCS4 sep = AT(i++);
        if (sep != '-' && sep != '_')
            return 0;
        if (AT(i) >= '0' && AT(i) <= '9') {
            while (i < n && AT(i) >= '0' && AT(i) <= '9')
                i++;
            return sep == '-' && i == n;
        }
    }
}

/* masking._PLAIN_VALUE: words that mask to one "<*>" whatever the patterns say */
static int is_plain_value(PyObject *word)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    if (n == 0)
        return 0;
    Py_UCS4 first = AT(0);
    if (first == '/')
        return is_path(kind, data, n);
    return is_dotted_number(kind, data, n) || is_hex_value(kind, data, n) ||
           is_name_number(kind, data, n);
}

/* identifiers._PLAIN_HEX: 12 to 64 lowercase hex characters with a letter and a digit */
static int is_plain_hex(PyObject *word)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    int letter = 0, digit = 0;
    if (n < 12 || n > 64)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = AT(i);
        if (c >= '0' && c <= '9')
            digit = 1;
        else if (c >= 'a' && c <= 'f')
            letter = 1;
        else
            return 0;
    }
    return letter && digit;
}

/* identifiers._PLAIN_NAME: [a-z]{2,16}[-_]{1,2}[0-9]{1,20} */
static int is_plain_name(PyObject *word)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(word), i = 0, start;
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    while (i < n && AT(i) >= 'a' && AT(i) <= 'z')
        i++;
    if (i < 2 || i > 16)
        return 0;
    start = i;
    while (i < n && (AT(i) == '-' || AT(i) == '_'))
        i++;
    if (i - start < 1 || i - start > 2)
        return 0;
    start = i;
    while (i < n && AT(i) >= '0' && AT(i) <= '9')
        i++;
    return i == n && i - start >= 1 && i - start <= 20;
}

/* str.isdigit */
static int is_digit_word(PyObject *word)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    if (n == 0)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!Py_UNICODE_ISDIGIT(AT(i)))
            return 0;
    }
    return 1;
}

/* whether a word holds a character of Python's \d (a Unicode decimal digit) */
static int holds_decimal(PyObject *word)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    if (kind == PyUnicode_1BYTE_KIND) { /* Latin-1: the ASCII digits are its only ones */
        const Py_UCS1 *chars = data;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (chars[i] >= '0' && chars[i] <= '9')
                return 1;
        }
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (Py_UNICODE_ISDECIMAL(AT(i)))
            return 1;
    }
    return 0;
}

static int check_args(PyObject *words, PyObject *cache, PyObject *miss)
{
    if (!PyList_Check(words) || !PyDict_Check(cache) || !PyCallable_Check(miss)) {
        PyErr_SetString(PyExc_TypeError, "expected (list, dict, callable, ...)");
        return 0;
    }
    return 1;
}

/* masking._mask_words: " ".join([cache.get(w) or _mask_part(w) for w in words]),
 * where _mask_part gives "<*>" for a plain value and calls ``miss`` otherwise. */
static PyObject *mask_words(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "mask_words(words, cache, miss)");
        return NULL;
    }
    PyObject *words = args[0], *cache = args[1], *miss = args[2];
    if (!check_args(words, cache, miss))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(words);
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *word = PyList_GET_ITEM(words, i);
        if (!PyUnicode_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "words must be str");
            Py_DECREF(out);
            return NULL;
        }
        /* a plain value is never cached (_mask_part): told before a lookup that misses */
        PyObject *value = is_plain_value(word) ? NULL : PyDict_GetItemWithError(cache, word);
        if (value == NULL && PyErr_Occurred()) {
            Py_DECREF(out);
            return NULL;
        }
        if (value != NULL && PyUnicode_Check(value) && PyUnicode_GET_LENGTH(value) > 0) {
            Py_INCREF(value);
        } else if (is_plain_value(word)) {
            value = Py_NewRef(WILDCARD);
        } else {
            value = PyObject_CallOneArg(miss, word);
            if (value == NULL) {
                Py_DECREF(out);
                return NULL;
            }
        }
        PyList_SET_ITEM(out, i, value);
    }
    PyObject *joined = PyUnicode_Join(SPACE, out);
    Py_DECREF(out);
    return joined;
}

/* identifiers.no_identifier: an ASCII word without '=' each of whose runs of
 * [A-Za-z0-9_.:/@#-] either holds no letter, digit or '_', or, from its first one and
 * stripped of trailing ".:,;/#-", holds one of "/:.@#". */
static int is_run_char(Py_UCS1 c)
{
    return (c < 128 && Py_ISALNUM(c)) || c == '_' || c == '.' || c == ':' || c == '/' ||
           c == '@' || c == '#' || c == '-';
}

static int is_strip_char(Py_UCS1 c)
{
    return c == '.' || c == ':' || c == ',' || c == ';' || c == '/' || c == '#' || c == '-';
}

static int no_identifier_in(PyObject *word)
{
    if (!PyUnicode_IS_ASCII(word))
        return 0;
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(word);
    Py_ssize_t n = PyUnicode_GET_LENGTH(word), i = 0;
    if (memchr(s, '=', (size_t)n) != NULL)
        return 0;
    while (i < n) {
        while (i < n && !is_run_char(s[i]))
            i++;
        Py_ssize_t start = -1, end = i;
        while (end < n && is_run_char(s[end])) {
            if (start < 0 && ((s[end] < 128 && Py_ISALNUM(s[end])) || s[end] == '_'))
                start = end;
            end++;
        }
        if (start >= 0) {
            Py_ssize_t last = end;
            while (last > start && is_strip_char(s[last - 1]))
                last--;
            int separated = 0;
            for (Py_ssize_t k = start; k < last && !separated; k++) {
                Py_UCS1 c = s[k];
                separated = c == '/' || c == ':' || c == '.' || c == '@' || c == '#';
            }
            if (!separated)
                return 0;
        }
        i = end;
    }
    return 1;
}

static PyObject *no_identifier(PyObject *self, PyObject *word)
{
    if (!PyUnicode_Check(word)) {
        PyErr_SetString(PyExc_TypeError, "no_identifier(str)");
        return NULL;
    }
    return PyBool_FromLong(no_identifier_in(word));
}

/* identifiers.IdentifierExtractor's word loop: for each word, its cached identifiers;
 * a bare number has none; a plain hex id or name-123 is itself; a word that
 * no_identifier_in clears has none; else ``miss(word)``.
 * Appends to ``found``. */
static PyObject *id_words(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyList_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "id_words(words, cache, miss, found)");
        return NULL;
    }
    PyObject *words = args[0], *cache = args[1], *miss = args[2], *found = args[3];
    if (!check_args(words, cache, miss))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(words);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *word = PyList_GET_ITEM(words, i);
        if (!PyUnicode_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "words must be str");
            return NULL;
        }
        if (!holds_decimal(word))
            continue; /* a candidate holds a \d (identifiers._CANDIDATE): none here */
        PyObject *idents = PyDict_GetItemWithError(cache, word); /* borrowed */
        if (idents == NULL && PyErr_Occurred())
            return NULL;
        if (idents != NULL) {
            Py_INCREF(idents);
        } else if (is_digit_word(word)) {
            continue;
        } else if (is_plain_hex(word) || is_plain_name(word)) {
            if (PyList_Append(found, word) < 0)
                return NULL;
            continue;
        } else if (no_identifier_in(word)) {
            continue;
        } else {
            idents = PyObject_CallOneArg(miss, word);
            if (idents == NULL)
                return NULL;
        }
        if (!PyTuple_Check(idents)) {
            Py_DECREF(idents);
            PyErr_SetString(PyExc_TypeError, "identifiers of a word must be a tuple");
            return NULL;
        }
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(idents); k++) {
            if (PyList_Append(found, PyTuple_GET_ITEM(idents, k)) < 0) {
                Py_DECREF(idents);
                return NULL;
            }
        }
        Py_DECREF(idents);
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ durations
 * measures._duration_of for ASCII messages (any other gets NotImplemented and the
 * Python version runs): the first number-with-unit, clock time or ``key_ms=`` value
 * that is no limit or delay, in seconds. ASCII keeps Python's IGNORECASE and \w/\d/\s
 * rules plain: letters and digits are [A-Za-z0-9], whitespace is Py_UNICODE_ISSPACE. */

typedef const unsigned char *bytes_t;

static int a_word(unsigned char c) { return (c < 128 && Py_ISALNUM(c)) || c == '_'; }
static int a_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int a_alpha(unsigned char c) { return c < 128 && Py_ISALPHA(c); }

/* s[0..len) ends with text, ASCII case-insensitively (IGNORECASE) */
static int ends_with_ci(bytes_t s, Py_ssize_t len, const char *text)
{
    Py_ssize_t k = (Py_ssize_t)strlen(text);
    if (k > len)
        return 0;
    for (Py_ssize_t i = 0; i < k; i++) {
        if (Py_TOLOWER(s[len - k + i]) != (unsigned char)text[i])
            return 0;
    }
    return 1;
}

static int ends_with_any(bytes_t s, Py_ssize_t len, const char *const *texts)
{
    for (int i = 0; texts[i]; i++) {
        if (ends_with_ci(s, len, texts[i]))
            return 1;
    }
    return 0;
}

/* len of s[0..len) without its trailing \W run */
static Py_ssize_t strip_nonword(bytes_t s, Py_ssize_t len)
{
    while (len > 0 && !a_word(s[len - 1]))
        len--;
    return len;
}

/* measures._BEFORE_LIMIT: (time[ _-]?out|deadline|limit|expected[ _-]?(duration|time|
 * latency)|threshold)\W*$ */
static const char *const LIMIT_WORDS[] = {
    "timeout", "time out", "time_out", "time-out", "deadline", "limit", "threshold",
    "expectedduration", "expected duration", "expected_duration", "expected-duration",
    "expectedtime", "expected time", "expected_time", "expected-time",
    "expectedlatency", "expected latency", "expected_latency", "expected-latency", NULL};

/* measures._BEFORE_DURATION without \bin: (...)\W{0,3}$ */
static const char *const DURATION_WORDS[] = {
    "took", "elapsed", "duration", "latency", "response time", "response_time",
    "request time", "request_time", "time", "after", "spent", "wait", "waited", NULL};

/* measures._BEFORE_DELAY's words; then \W{0,3}(time\W{0,3})?$ */
static const char *const DELAY_WORDS[] = {
    "backoff", "back off", "back-off", "retry", "retrying", "retry in", "retrying in",
    "retry after", "retrying after", "delay", "delaying", "sleep", "sleeping", "cooldown",
    "cool down", "cool-down", "next attempt in", "retention", "interval", "period", "ttl",
    "every", "maxage", "max age", "max.age", "max_age", "max-age", NULL};

static int before_limit(bytes_t s, Py_ssize_t len)
{
    return ends_with_any(s, strip_nonword(s, len), LIMIT_WORDS);
}

static int before_delay(bytes_t s, Py_ssize_t len)
{
    Py_ssize_t t = strip_nonword(s, len);
    if (len - t > 3)
        return 0;
    if (ends_with_any(s, t, DELAY_WORDS))
        return 1;
    if (!ends_with_ci(s, t, "time"))
        return 0;
    Py_ssize_t t2 = t - 4, t3 = strip_nonword(s, t - 4);
    return t2 - t3 <= 3 && ends_with_any(s, t3, DELAY_WORDS);
}

static int count_before(bytes_t s, Py_ssize_t t);

static int before_duration(bytes_t s, Py_ssize_t len)
{
    Py_ssize_t t = strip_nonword(s, len);
    if (len - t > 3)
        return 0;
    if (ends_with_any(s, t, DURATION_WORDS))
        return 1;
    return ends_with_ci(s, t, "in") && (t == 2 || !a_word(s[t - 3])) /* \bin */
           && !count_before(s, t - 2);
}

/* measures._BEFORE_COUNT before "in" at t: (?<![\w.-])\d+ [A-Za-z]+s then one space */
static int count_before(bytes_t s, Py_ssize_t t)
{
    if (t < 1 || s[t - 1] != ' ')
        return 0;
    Py_ssize_t w = t - 1;
    if (w < 1 || Py_TOLOWER(s[w - 1]) != 's')
        return 0;
    while (w > 0 && a_alpha(s[w - 1]))
        w--;
    if (t - 1 - w < 2 || w < 1 || s[w - 1] != ' ') /* [A-Za-z]+s: two letters or more */
        return 0;
    Py_ssize_t d = w - 1;
    while (d > 0 && a_digit(s[d - 1]))
        d--;
    return d < w - 1 && (d == 0 || !(a_word(s[d - 1]) || s[d - 1] == '.' || s[d - 1] == '-'));
}

/* A pattern ending in $ matches at the end, or before a newline that ends the text. */
static int ends_here(int (*test)(bytes_t, Py_ssize_t), bytes_t s, Py_ssize_t len)
{
    return test(s, len) || (len > 0 && s[len - 1] == '\n' && test(s, len - 1));
}

/* the unit at k (ns|us|ms|secs?|seconds?|s|mins?|minutes|m, then \b): its factor and end */
static double unit_at(bytes_t s, Py_ssize_t n, Py_ssize_t k, Py_ssize_t *end, int *small)
{
    static const char *const UNITS[] = {"ns", "us", "ms", "secs", "sec", "seconds", "second",
                                        "s", "mins", "min", "minutes", "m", NULL};
    static const double FACTORS[] = {1e-9, 1e-6, 1e-3, 1.0, 1.0, 1.0, 1.0,
                                     1.0, 60.0, 60.0, 60.0, 60.0};
    for (int u = 0; UNITS[u]; u++) {
        Py_ssize_t len = (Py_ssize_t)strlen(UNITS[u]);
        if (k + len <= n && memcmp(s + k, UNITS[u], (size_t)len) == 0 &&
            (k + len == n || !a_word(s[k + len]))) {
            *end = k + len;
            *small = u < 3;
            return FACTORS[u];
        }
    }
    return 0.0;
}

/* float(s[from:to]) for a run of digits with at most one dot (never fails) */
static double number(bytes_t s, Py_ssize_t from, Py_ssize_t to)
{
    char small[64];
    size_t len = (size_t)(to - from);
    char *buffer = len < sizeof(small) ? small : PyMem_Malloc(len + 1);
    if (buffer == NULL)
        return 0.0;
    memcpy(buffer, s + from, len);
    buffer[len] = '\0';
    double value = PyOS_string_to_double(buffer, NULL, NULL);
    if (buffer != small)
        PyMem_Free(buffer);
    return value;
}

static int contains(bytes_t s, Py_ssize_t n, const char *text)
{
    Py_ssize_t k = (Py_ssize_t)strlen(text);
    for (Py_ssize_t i = 0; i + k <= n; i++) {
        if (s[i] == (unsigned char)text[0] && memcmp(s + i, text, (size_t)k) == 0)
            return 1;
    }
    return 0;
}

static Py_ssize_t digits(bytes_t s, Py_ssize_t n, Py_ssize_t i)
{
    while (i < n && a_digit(s[i]))
        i++;
    return i;
}

/* \d+(?:\.\d+)? from i (a digit): its end */
static Py_ssize_t decimal(bytes_t s, Py_ssize_t n, Py_ssize_t i)
{
    i = digits(s, n, i);
    if (i + 1 < n && s[i] == '.' && a_digit(s[i + 1]))
        i = digits(s, n, i + 1);
    return i;
}

/* \d{1,2}:\d{2}:\d{2}(?:\.\d+)? at i: its end and the seconds' start, or 0 */
static int clock_at(bytes_t s, Py_ssize_t n, Py_ssize_t i, Py_ssize_t *end, Py_ssize_t *sec)
{
    for (Py_ssize_t d = 2; d >= 1; d--) {
        Py_ssize_t j = i;
        if (j + d > n || digits(s, j + d, j) != j + d)
            continue;
        j += d;
        if (j + 6 > n || s[j] != ':' || !a_digit(s[j + 1]) || !a_digit(s[j + 2]) ||
            s[j + 3] != ':' || !a_digit(s[j + 4]) || !a_digit(s[j + 5]))
            continue;
        *sec = j + 4;
        *end = decimal(s, n, j + 4);
        if (*end > j + 6 && s[j + 6] != '.')
            *end = j + 6; /* \d{2} takes two digits only; a fraction needs its dot */
        return 1;
    }
    return 0;
}

static PyObject *seconds_value(double value) { return PyFloat_FromDouble(value); }

static PyObject *duration_of(PyObject *self, PyObject *message)
{
    if (!PyUnicode_Check(message)) {
        PyErr_SetString(PyExc_TypeError, "duration_of(str)");
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(message))
        Py_RETURN_NOTIMPLEMENTED;
    bytes_t s = PyUnicode_1BYTE_DATA(message);
    Py_ssize_t n = PyUnicode_GET_LENGTH(message);
    int keyed = contains(s, n, "_") || contains(s, n, "Ms") || contains(s, n, "Millis");
    Py_ssize_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (a_digit(c)) {
            Py_ssize_t start = i, end, sec;
            double value = -1.0;
            int small = 0;
            if (i == 0 || !(a_word(s[i - 1]) || s[i - 1] == '.')) {
                Py_ssize_t num = decimal(s, n, i), k = num;
                if (k < n && Py_UNICODE_ISSPACE(s[k]))
                    k++;
                double factor = unit_at(s, n, k, &end, &small);
                if (factor > 0.0)
                    value = number(s, start, num) * factor;
            }
            if (value < 0.0 && (i == 0 || !(a_word(s[i - 1]) || s[i - 1] == ':')) &&
                clock_at(s, n, i, &end, &sec)) {
                long h = 0, m = 0;
                Py_ssize_t j = i;
                for (; s[j] != ':'; j++)
                    h = h * 10 + (s[j] - '0');
                m = (s[j + 1] - '0') * 10 + (s[j + 2] - '0');
                value = (double)(h * 3600 + m * 60) + number(s, sec, end);
            }
            if (value < 0.0) {
                i++;
                continue;
            }
            Py_ssize_t from = start > 20 ? start - 20 : 0;
            bytes_t before = s + from;
            Py_ssize_t len = start - from;
            if (!ends_here(before_limit, before, len) && !ends_here(before_delay, before, len) &&
                (small || ends_here(before_duration, before, len)))
                return seconds_value(value);
            i = end;
            continue;
        }
        if (keyed && a_alpha(c)) {
            /* key_ms=812: [A-Za-z]\w*?(_ms|_s|Ms|Millis|_millis|_seconds)[=:]\s?\d+(\.\d+)? */
            static const char *const KEYUNITS[] = {"_ms", "_s", "Ms", "Millis", "_millis",
                                                   "_seconds", NULL};
            Py_ssize_t q = i;
            while (q < n && a_word(s[q]))
                q++;
            Py_ssize_t r = q + 1;
            if (q < n && (s[q] == '=' || s[q] == ':')) {
                if (r + 1 < n && Py_UNICODE_ISSPACE(s[r]) && a_digit(s[r + 1]))
                    r++;
                if (r < n && a_digit(s[r])) {
                    for (Py_ssize_t e = i + 1; e < q; e++) {
                        for (int u = 0; KEYUNITS[u]; u++) {
                            Py_ssize_t len = (Py_ssize_t)strlen(KEYUNITS[u]);
                            if (e + len != q || memcmp(s + e, KEYUNITS[u], (size_t)len) != 0)
                                continue;
                            Py_ssize_t end = decimal(s, n, r);
                            if (ends_with_any(s + i, e - i, LIMIT_WORDS)) {
                                i = end; /* a limit (timeout_ms=): the scan goes on after it */
                                goto next;
                            }
                            double factor = (u == 1 || u == 5) ? 1.0 : 1e-3;
                            return seconds_value(number(s, r, end) * factor);
                        }
                    }
                }
            }
            i = q; /* no later letter of this word can start a match */
            continue;
        }
        i++;
    next:;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ identifier sightings
 * IdIndex.note's common cases: state._apply for an identifier already tracked, and
 * IdIndex._note_once for one seen for the first time. */

static PyObject *S_MASKED, *S_YOUNG, *S_LOOKUP_SLOW, *S_EXTEND, *S_GROUPS, *S_FINDALL, *S_LOWER;
static PyObject *S_TRACKS, *S_ONCE, *S_ONCE_OLD, *S_CAP, *S_DROPPED;
static PyObject *S_TS, *S_SOURCE, *S_COUNT, *S_FIRST_TS, *S_FIRST, *S_LAST_TS, *S_FAIL,
    *S_FAIL_TS, *S_FAIL_KEYS, *S_OK, *S_OK_KEYS, *S_DURATION;

/* obj.name = value if value > obj.name (max(obj.name, value) keeps the first on ties) */
static int set_if_greater(PyObject *obj, PyObject *name, PyObject *value)
{
    PyObject *current = PyObject_GetAttr(obj, name);
    if (current == NULL)
        return -1;
    int greater = PyObject_RichCompareBool(value, current, Py_GT);
    Py_DECREF(current);
    if (greater < 0)
        return -1;
    return greater ? PyObject_SetAttr(obj, name, value) : 0;
}

/* if key not in obj.name and len(obj.name) < 4: obj.name += (key,) */
static int add_key(PyObject *obj, PyObject *name, PyObject *key)
{
    PyObject *keys = PyObject_GetAttr(obj, name);
    if (keys == NULL)
        return -1;
    if (!PyTuple_Check(keys)) {
        Py_DECREF(keys);
        PyErr_SetString(PyExc_TypeError, "track keys must be a tuple");
        return -1;
    }
    int present = PySequence_Contains(keys, key);
    int rc = 0;
    if (present < 0) {
        rc = -1;
    } else if (!present && PyTuple_GET_SIZE(keys) < 4) {
        Py_ssize_t n = PyTuple_GET_SIZE(keys);
        PyObject *grown = PyTuple_New(n + 1);
        if (grown == NULL) {
            rc = -1;
        } else {
            for (Py_ssize_t i = 0; i < n; i++)
                PyTuple_SET_ITEM(grown, i, Py_NewRef(PyTuple_GET_ITEM(keys, i)));
            PyTuple_SET_ITEM(grown, n, Py_NewRef(key));
            rc = PyObject_SetAttr(obj, name, grown);
            Py_DECREF(grown);
        }
    }
    Py_DECREF(keys);
    return rc;
}

static int apply_sighting(PyObject *per_source, PyObject *record, PyObject *ts,
                          PyObject *source, long outcome, PyObject *duration, PyObject *key,
                          PyObject *track_type)
{
    PyObject *track = PyDict_GetItemWithError(per_source, source); /* borrowed */
    if (track == NULL && PyErr_Occurred())
        return -1;
    if (track == NULL) {
        PyObject *kwargs = Py_BuildValue("{sOsOsO}", "first_ts", ts, "last_ts", ts, "first",
                                         record);
        if (kwargs == NULL)
            return -1;
        PyObject *made = PyObject_Call(track_type, EMPTY_TUPLE, kwargs);
        Py_DECREF(kwargs);
        if (made == NULL)
            return -1;
        int rc = PyDict_SetItem(per_source, source, made);
        Py_DECREF(made);
        if (rc < 0)
            return -1;
        track = made; /* the dict holds it */
    } else {
        PyObject *count = PyObject_GetAttr(track, S_COUNT);
        if (count == NULL)
            return -1;
        PyObject *more = PyNumber_Add(count, ONE);
        Py_DECREF(count);
        if (more == NULL)
            return -1;
        int rc = PyObject_SetAttr(track, S_COUNT, more);
        Py_DECREF(more);
        if (rc < 0)
            return -1;
        PyObject *first_ts = PyObject_GetAttr(track, S_FIRST_TS);
        if (first_ts == NULL)
            return -1;
        int earlier = PyObject_RichCompareBool(ts, first_ts, Py_LT);
        Py_DECREF(first_ts);
        if (earlier < 0)
            return -1;
        if (earlier && (PyObject_SetAttr(track, S_FIRST_TS, ts) < 0 ||
                        PyObject_SetAttr(track, S_FIRST, record) < 0))
            return -1;
        if (set_if_greater(track, S_LAST_TS, ts) < 0)
            return -1;
    }
    if (outcome < 0) {
        PyObject *fail = PyObject_GetAttr(track, S_FAIL);
        if (fail == NULL)
            return -1;
        int unset = fail == Py_None;
        Py_DECREF(fail);
        if (unset && PyObject_SetAttr(track, S_FAIL, record) < 0)
            return -1;
        if (set_if_greater(track, S_FAIL_TS, ts) < 0 || add_key(track, S_FAIL_KEYS, key) < 0)
            return -1;
    } else if (outcome > 0) {
        if (PyObject_SetAttr(track, S_OK, record) < 0 || add_key(track, S_OK_KEYS, key) < 0)
            return -1;
    }
    if (duration != Py_None) {
        PyObject *longest = PyObject_GetAttr(track, S_DURATION);
        if (longest == NULL)
            return -1;
        int longer = longest == Py_None ? 1 : PyObject_RichCompareBool(duration, longest, Py_GT);
        Py_DECREF(longest);
        if (longer < 0 || (longer && PyObject_SetAttr(track, S_DURATION, duration) < 0))
            return -1;
    }
    return 0;
}

/* IdIndex._note_once: keep a first sighting; a full young generation becomes the old one
 * (whose sightings are forgotten and counted as dropped). *once: the young generation. */
static int note_once(PyObject *index, PyObject **once, PyObject *ident, PyObject *sighting)
{
    PyObject *cap_obj = PyObject_GetAttr(index, S_CAP);
    if (cap_obj == NULL)
        return -1;
    Py_ssize_t cap = PyLong_AsSsize_t(cap_obj);
    Py_DECREF(cap_obj);
    if (cap == -1 && PyErr_Occurred())
        return -1;
    Py_ssize_t half = cap >= 0 ? cap / 2 : -((1 - cap) / 2); /* cap // 2 */
    if (PyDict_GET_SIZE(*once) >= (half > 1 ? half : 1)) {
        PyObject *old = PyObject_GetAttr(index, S_ONCE_OLD);
        if (old == NULL)
            return -1;
        Py_ssize_t forgotten = PyObject_Length(old);
        Py_DECREF(old);
        if (forgotten < 0)
            return -1;
        PyObject *dropped = PyObject_GetAttr(index, S_DROPPED);
        if (dropped == NULL)
            return -1;
        PyObject *forgotten_obj = PyLong_FromSsize_t(forgotten);
        PyObject *more = forgotten_obj ? PyNumber_Add(dropped, forgotten_obj) : NULL;
        Py_DECREF(dropped);
        Py_XDECREF(forgotten_obj);
        if (more == NULL)
            return -1;
        int rc = PyObject_SetAttr(index, S_DROPPED, more);
        Py_DECREF(more);
        PyObject *young = rc < 0 ? NULL : PyDict_New();
        if (young == NULL || PyObject_SetAttr(index, S_ONCE_OLD, *once) < 0 ||
            PyObject_SetAttr(index, S_ONCE, young) < 0) {
            Py_XDECREF(young);
            return -1;
        }
        Py_SETREF(*once, young);
    }
    return PyDict_SetItem(*once, ident, sighting);
}

/* IdIndex.note_all's loop: an identifier already tracked gets the sighting (state._apply);
 * one seen for the first time is kept as a one-off sighting (IdIndex._note_once). From
 * the first that is neither (a second sighting: IdIndex.note replays the first), the
 * rest are returned, in order, for IdIndex.note. */
static PyObject *note_sightings(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7 || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "note_sightings(index, idents, record, outcome, duration, key, Track)");
        return NULL;
    }
    PyObject *index = args[0], *idents = args[1], *record = args[2], *duration = args[4],
             *key = args[5], *track_type = args[6];
    long outcome = PyLong_AsLong(args[3]);
    if (outcome == -1 && PyErr_Occurred())
        return NULL;
    PyObject *tracks = PyObject_GetAttr(index, S_TRACKS);
    if (tracks == NULL)
        return NULL;
    PyObject *ts = NULL, *source = NULL, *once = NULL, *old = NULL, *rest = NULL;
    if (!PyDict_Check(tracks)) {
        PyErr_SetString(PyExc_TypeError, "tracks must be a dict");
        goto done;
    }
    Py_ssize_t n = PyList_GET_SIZE(idents), i = 0;
    for (; i < n; i++) {
        PyObject *ident = PyList_GET_ITEM(idents, i);
        PyObject *per_source = PyDict_GetItemWithError(tracks, ident); /* borrowed */
        if (per_source == NULL) {
            if (PyErr_Occurred())
                goto done;
            if (once == NULL) {
                once = PyObject_GetAttr(index, S_ONCE);
                old = once ? PyObject_GetAttr(index, S_ONCE_OLD) : NULL;
                if (old == NULL)
                    goto done;
                if (!PyDict_Check(once) || !PyDict_Check(old)) {
                    PyErr_SetString(PyExc_TypeError, "one-off sightings must be dicts");
                    goto done;
                }
            }
            int held = PyDict_Contains(once, ident);
            if (held == 0)
                held = PyDict_Contains(old, ident);
            if (held < 0)
                goto done;
            if (held)
                break; /* a second sighting: IdIndex.note from here on */
            PyObject *sighting = PyTuple_Pack(4, record, args[3], duration, key);
            if (sighting == NULL)
                goto done;
            PyObject *young = once;
            int rc = note_once(index, &once, ident, sighting);
            Py_DECREF(sighting);
            if (rc < 0)
                goto done;
            if (once != young) { /* the generations turned */
                Py_SETREF(old, Py_NewRef(young));
            }
            continue;
        }
        if (!PyDict_Check(per_source)) {
            PyErr_SetString(PyExc_TypeError, "tracks must map identifiers to dicts");
            goto done;
        }
        if (ts == NULL) { /* record.ts if record.ts is not None else 0.0 */
            ts = PyObject_GetAttr(record, S_TS);
            if (ts == NULL)
                goto done;
            if (ts == Py_None) {
                Py_SETREF(ts, PyFloat_FromDouble(0.0));
                if (ts == NULL)
                    goto done;
            }
            source = PyObject_GetAttr(record, S_SOURCE);
            if (source == NULL)
                goto done;
        }
        if (apply_sighting(per_source, record, ts, source, outcome, duration, key,
                           track_type) < 0)
            goto done;
    }
    rest = PyList_GetSlice(idents, i, n);
done:
    Py_DECREF(tracks);
    Py_XDECREF(ts);
    Py_XDECREF(source);
    Py_XDECREF(once);
    Py_XDECREF(old);
    return rest;
}

/* ------------------------------------------------------------------ record counting
 * pipeline.Engine._count: a record's share of its source's and its template's counters,
 * histograms and samples.
 *
 * SourceState, TemplateState and Record are slotted dataclasses. Their slots are read
 * and written at the offsets their member descriptors give (what getattr and setattr do
 * for a slot, without the lookups), found once per type; a type whose fields are not
 * all plain slots is refused with a TypeError. */

enum { MAX_FIELDS = 24 };

typedef struct {
    const char *const *names;
    int count;
    PyTypeObject *type; /* the type the offsets are for (NULL: none yet) */
    Py_ssize_t offset[MAX_FIELDS];
} Fields;

static int fields_of(Fields *fields, PyObject *obj)
{
    PyTypeObject *type = Py_TYPE(obj);
    if (fields->type == type)
        return 0;
    for (int i = 0; i < fields->count; i++) {
        PyObject *descr = PyObject_GetAttrString((PyObject *)type, fields->names[i]);
        if (descr == NULL)
            return -1;
        int plain = Py_IS_TYPE(descr, &PyMemberDescr_Type) &&
                    ((PyMemberDescrObject *)descr)->d_member->type == T_OBJECT_EX &&
                    !(((PyMemberDescrObject *)descr)->d_member->flags & READONLY);
        if (plain)
            fields->offset[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
        Py_DECREF(descr);
        if (!plain) {
            PyErr_Format(PyExc_TypeError, "%s.%s is not a plain slot", type->tp_name,
                         fields->names[i]);
            return -1;
        }
    }
    fields->type = type;
    return 0;
}

#define SLOT(obj, fields, i) (*(PyObject **)((char *)(obj) + (fields).offset[i]))

/* the slot's value (borrowed), or NULL with AttributeError when it was never set */
static PyObject *get_slot(PyObject *obj, Fields *fields, int i)
{
    PyObject *value = SLOT(obj, *fields, i);
    if (value == NULL)
        PyErr_Format(PyExc_AttributeError, "'%s' object has no attribute '%s'",
                     Py_TYPE(obj)->tp_name, fields->names[i]);
    return value;
}

static void set_slot(PyObject *obj, Fields *fields, int i, PyObject *value)
{
    Py_XSETREF(SLOT(obj, *fields, i), Py_NewRef(value));
}

static const char *const SOURCE_NAMES[] = {"undated",  "events",  "samples", "errors", "first_ts",
                                           "last_ts",  "count",   "templates", "miner"};
enum {
    SRC_UNDATED, SRC_EVENTS, SRC_SAMPLES, SRC_ERRORS, SRC_FIRST_TS, SRC_LAST_TS, SRC_COUNT,
    SRC_TEMPLATES, SRC_MINER
};
static Fields SOURCE_FIELDS = {SOURCE_NAMES, 9, NULL, {0}};

static const char *const STATE_NAMES[] = {
    "count",   "severity", "first", "last",         "hist",   "first_ts",
    "last_ts", "in_window", "meaning", "recent",    "cause",  "cause_probes",
    "status",  "measure",  "extract_ids", "measure_seen", "limit_words", "id_hits",
    "key",     "durations", "measured", "measure_stride"};
enum {
    ST_COUNT, ST_SEVERITY, ST_FIRST, ST_LAST, ST_HIST, ST_FIRST_TS, ST_LAST_TS, ST_IN_WINDOW,
    ST_MEANING, ST_RECENT, ST_CAUSE, ST_CAUSE_PROBES, ST_STATUS, ST_MEASURE, ST_EXTRACT_IDS,
    ST_MEASURE_SEEN, ST_LIMIT_WORDS, ST_ID_HITS, ST_KEY, ST_DURATIONS, ST_MEASURED,
    ST_MEASURE_STRIDE
};
static Fields STATE_FIELDS = {STATE_NAMES, 22, NULL, {0}};

static const char *const RECORD_NAMES[] = {"ts", "source", "level", "message", "text"};
enum { REC_TS, REC_SOURCE, REC_LEVEL, REC_MESSAGE, REC_TEXT };
static Fields RECORD_FIELDS = {RECORD_NAMES, 5, NULL, {0}};

static const char *const MEANING_NAMES[] = {"change",  "http",    "severity",
                                            "failure", "timeout", "success"};
enum { M_CHANGE, M_HTTP, M_SEVERITY, M_FAILURE, M_TIMEOUT, M_SUCCESS };
static Fields MEANING_FIELDS = {MEANING_NAMES, 6, NULL, {0}};

static const char *const CLUSTER_NAMES[] = {"merged", "count", "id"};
enum { CL_MERGED, CL_COUNT, CL_ID };
static Fields CLUSTER_FIELDS = {CLUSTER_NAMES, 3, NULL, {0}};

/* an int slot as a long (-1 with an exception on error) */
static long long_slot(PyObject *obj, Fields *fields, int i)
{
    PyObject *value = get_slot(obj, fields, i);
    return value ? PyLong_AsLong(value) : -1;
}

/* bool(slot), -1 on error */
static int slot_true(PyObject *obj, Fields *fields, int i)
{
    PyObject *value = get_slot(obj, fields, i);
    return value ? PyObject_IsTrue(value) : -1;
}

/* Python's float floor division (floatobject.c), so that buckets are the same */
static double floor_div(double vx, double wx)
{
    double mod = fmod(vx, wx);
    double div = (vx - mod) / wx;
    if (mod && ((wx < 0) != (mod < 0)))
        div -= 1.0;
    if (!div)
        return copysign(0.0, vx / wx);
    double floored = floor(div);
    return div - floored > 0.5 ? floored + 1.0 : floored;
}

/* slot += 1 */
static int increment(PyObject *obj, Fields *fields, int i)
{
    PyObject *value = get_slot(obj, fields, i);
    PyObject *more = value ? PyNumber_Add(value, ONE) : NULL;
    if (more == NULL)
        return -1;
    Py_XSETREF(SLOT(obj, *fields, i), more);
    return 0;
}

/* counts[key] = counts.get(key, 0) + 1; *before: the count before (or NULL) */
static int bump(PyObject *counts, PyObject *key, long *before)
{
    if (counts == NULL)
        return -1;
    if (!PyDict_Check(counts)) {
        PyErr_SetString(PyExc_TypeError, "counters must be dicts");
        return -1;
    }
    PyObject *count = PyDict_GetItemWithError(counts, key); /* borrowed */
    long n = 0;
    if (count == NULL) {
        if (PyErr_Occurred())
            return -1;
    } else {
        n = PyLong_AsLong(count);
        if (n == -1 && PyErr_Occurred())
            return -1;
    }
    if (before)
        *before = n;
    PyObject *more = PyLong_FromLong(n + 1);
    if (more == NULL)
        return -1;
    int rc = PyDict_SetItem(counts, key, more);
    Py_DECREF(more);
    return rc;
}

/* list.append(record) if len(list) < limit (any length when limit < 0) */
static int append_below(PyObject *list, PyObject *record, Py_ssize_t limit)
{
    if (list == NULL)
        return -1;
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "samples must be lists");
        return -1;
    }
    return limit < 0 || PyList_GET_SIZE(list) < limit ? PyList_Append(list, record) : 0;
}

/* a stamp slot as a double, NaN for None (-1 with an exception on error) */
static int stamp_of(PyObject *value, double *out)
{
    if (value == NULL)
        return -1;
    *out = value == Py_None ? Py_NAN : PyFloat_AsDouble(value);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

typedef struct {
    double start, end, bucket;
    long bucket_samples, first_samples, recent, error;
} Limits;

/* Engine._native_hooks' limits: (start, end, BUCKET, BUCKET_SAMPLES, FIRST_SAMPLES,
 * RECENT, ERROR) */
static int limits_of(PyObject *tuple, Limits *out)
{
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != 7) {
        PyErr_SetString(PyExc_TypeError, "limits: (start, end, bucket, bucket_samples, "
                                         "first_samples, recent, error)");
        return -1;
    }
    out->start = PyFloat_AsDouble(PyTuple_GET_ITEM(tuple, 0));
    out->end = PyFloat_AsDouble(PyTuple_GET_ITEM(tuple, 1));
    out->bucket = PyFloat_AsDouble(PyTuple_GET_ITEM(tuple, 2));
    out->bucket_samples = PyLong_AsLong(PyTuple_GET_ITEM(tuple, 3));
    out->first_samples = PyLong_AsLong(PyTuple_GET_ITEM(tuple, 4));
    out->recent = PyLong_AsLong(PyTuple_GET_ITEM(tuple, 5));
    out->error = PyLong_AsLong(PyTuple_GET_ITEM(tuple, 6));
    return PyErr_Occurred() ? -1 : 0;
}

/* Engine._count for a record whose source, state and record types are known (fields_of) */
static int count_one(const Limits *limits, PyObject *source, PyObject *state, PyObject *record,
                     PyObject *sev)
{
    double start = limits->start, end = limits->end, bucket_seconds = limits->bucket;
    long bucket_samples = limits->bucket_samples, first_samples = limits->first_samples,
         recent_max = limits->recent, error = limits->error;
    long severity = PyLong_AsLong(sev);
    if (severity == -1 && PyErr_Occurred())
        return -1;
    if (increment(state, &STATE_FIELDS, ST_COUNT) < 0)
        return -1;
    long high = long_slot(state, &STATE_FIELDS, ST_SEVERITY);
    if (high == -1 && PyErr_Occurred())
        return -1;
    if (severity > high)
        set_slot(state, &STATE_FIELDS, ST_SEVERITY, sev);
    PyObject *ts_obj = get_slot(record, &RECORD_FIELDS, REC_TS);
    if (ts_obj == NULL)
        return -1;
    if (ts_obj == Py_None) {
        if (increment(source, &SOURCE_FIELDS, SRC_UNDATED) < 0 ||
            append_below(get_slot(state, &STATE_FIELDS, ST_FIRST), record, first_samples) < 0)
            return -1;
        set_slot(state, &STATE_FIELDS, ST_LAST, record);
        return 0;
    }
    Py_INCREF(ts_obj); /* a slot set below may drop the record's last other reference */
    double ts = PyFloat_AsDouble(ts_obj), first, last;
    PyObject *bucket = NULL;
    if (ts == -1.0 && PyErr_Occurred())
        goto fail;
    bucket = PyLong_FromDouble(floor_div(ts, bucket_seconds));
    long seen;
    if (bucket == NULL || bump(get_slot(source, &SOURCE_FIELDS, SRC_EVENTS), bucket, &seen) < 0)
        goto fail;
    if (seen < bucket_samples) { /* source.samples.setdefault(bucket, []).append(record) */
        PyObject *samples = get_slot(source, &SOURCE_FIELDS, SRC_SAMPLES);
        if (samples == NULL)
            goto fail;
        if (!PyDict_Check(samples)) {
            PyErr_SetString(PyExc_TypeError, "samples must map buckets to lists");
            goto fail;
        }
        PyObject *list = PyDict_GetItemWithError(samples, bucket); /* borrowed */
        if (list == NULL) {
            if (PyErr_Occurred())
                goto fail;
            list = PyList_New(0);
            int rc = list ? PyDict_SetItem(samples, bucket, list) : -1;
            Py_XDECREF(list); /* the dict holds it */
            if (rc < 0)
                goto fail;
        }
        if (append_below(list, record, -1) < 0)
            goto fail;
    }
    if (severity >= error && bump(get_slot(source, &SOURCE_FIELDS, SRC_ERRORS), bucket, NULL) < 0)
        goto fail;
    if (bump(get_slot(state, &STATE_FIELDS, ST_HIST), bucket, NULL) < 0)
        goto fail;
    if (stamp_of(get_slot(source, &SOURCE_FIELDS, SRC_FIRST_TS), &first) < 0)
        goto fail;
    if (Py_IS_NAN(first)) {
        set_slot(source, &SOURCE_FIELDS, SRC_FIRST_TS, ts_obj);
        set_slot(source, &SOURCE_FIELDS, SRC_LAST_TS, ts_obj);
    } else if (ts < first) {
        set_slot(source, &SOURCE_FIELDS, SRC_FIRST_TS, ts_obj);
    } else {
        if (stamp_of(get_slot(source, &SOURCE_FIELDS, SRC_LAST_TS), &last) < 0)
            goto fail;
        if (ts > last)
            set_slot(source, &SOURCE_FIELDS, SRC_LAST_TS, ts_obj);
    }
    if (stamp_of(get_slot(state, &STATE_FIELDS, ST_FIRST_TS), &first) < 0)
        goto fail;
    if (Py_IS_NAN(first)) {
        set_slot(state, &STATE_FIELDS, ST_FIRST_TS, ts_obj);
        set_slot(state, &STATE_FIELDS, ST_LAST_TS, ts_obj);
        set_slot(state, &STATE_FIELDS, ST_LAST, record);
    } else {
        if (ts < first)
            set_slot(state, &STATE_FIELDS, ST_FIRST_TS, ts_obj);
        if (stamp_of(get_slot(state, &STATE_FIELDS, ST_LAST_TS), &last) < 0)
            goto fail;
        if (ts >= last) {
            set_slot(state, &STATE_FIELDS, ST_LAST_TS, ts_obj);
            set_slot(state, &STATE_FIELDS, ST_LAST, record);
        }
    }
    if (append_below(get_slot(state, &STATE_FIELDS, ST_FIRST), record, first_samples) < 0)
        goto fail;
    if (start <= ts && ts <= end &&
        append_below(get_slot(state, &STATE_FIELDS, ST_IN_WINDOW), record, first_samples) < 0)
        goto fail;
    PyObject *meaning = get_slot(state, &STATE_FIELDS, ST_MEANING);
    int changed = meaning == NULL || fields_of(&MEANING_FIELDS, meaning) < 0
                      ? -1
                      : slot_true(meaning, &MEANING_FIELDS, M_CHANGE);
    if (changed < 0)
        goto fail;
    if (changed) {
        PyObject *recent = get_slot(state, &STATE_FIELDS, ST_RECENT);
        if (append_below(recent, record, -1) < 0 ||
            (PyList_GET_SIZE(recent) > recent_max && PySequence_DelItem(recent, 0) < 0))
            goto fail;
    }
    Py_DECREF(ts_obj);
    Py_DECREF(bucket);
    return 0;
fail:
    Py_DECREF(ts_obj);
    Py_XDECREF(bucket);
    return -1;
}

static PyObject *count_record(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Limits limits;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "count_record(source, state, record, severity, limits)");
        return NULL;
    }
    if (limits_of(args[4], &limits) < 0 || fields_of(&SOURCE_FIELDS, args[0]) < 0 ||
        fields_of(&STATE_FIELDS, args[1]) < 0 || fields_of(&RECORD_FIELDS, args[2]) < 0 ||
        count_one(&limits, args[0], args[1], args[2], args[3]) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ the record loop
 * pipeline.Engine.add_all: each record as Engine.add_record takes it, with masking.mask,
 * TemplateMiner.add's common case (a masked text it has seen) and Engine._count done here.
 * What is rare or long goes to the engine's own Python, as the Python version calls it: a
 * new source or template (_new_source, _new_state), a record that may hold a stack trace
 * (_probe_cause), an access-log status (_status_variant), a non-ASCII duration
 * (measures.duration_of), a stated limit (_note_limit), a second sighting of an identifier
 * (IdIndex.note). Engine._correlate, pipeline._measure, IdentifierExtractor.extract and
 * IdIndex.note_all are done here. */

typedef struct {
    PyObject *record_type, *sources;
    PyObject *new_source, *new_state, *probe_cause, *status_variant, *add_other;
    Limits limits;
    Py_ssize_t max_message;
    long cause_probe, warn, probe;
    double point_in_time;
    Py_ssize_t max_durations, max_measured;
    PyObject *level_rank, *status_severity, *part_cache, *mask_part, *mask_text;
    PyObject *duration_of, *note_limit, *track_type;
    PyObject *ids, *note, *custom, *word_cache, *word_miss, *grouped; /* the engine's */
} Feed;

static void feed_clear(Feed *f)
{
    Py_CLEAR(f->ids);
    Py_CLEAR(f->note);
    Py_CLEAR(f->custom);
    Py_CLEAR(f->word_cache);
    Py_CLEAR(f->word_miss);
    Py_CLEAR(f->grouped);
    Py_CLEAR(f->sources);
    Py_CLEAR(f->new_source);
    Py_CLEAR(f->new_state);
    Py_CLEAR(f->probe_cause);
    Py_CLEAR(f->status_variant);
    Py_CLEAR(f->add_other);
}

/* Engine._native_hooks, borrowed from it: (Record, limits, MAX_MESSAGE,
 * CAUSE_PROBE, WARN, level_rank, _status_severity, part cache, _mask_part, mask_text,
 * PROBE, duration_of, (POINT_IN_TIME, 2 * MAX_MEASURES, MAX_MEASURED_RECORDS),
 * _note_limit, Track) */
static int feed_of(PyObject *engine, PyObject *hooks, Feed *f)
{
    memset(f, 0, sizeof(*f));
    if (!PyTuple_Check(hooks) || PyTuple_GET_SIZE(hooks) != 15 ||
        !PyDict_Check(PyTuple_GET_ITEM(hooks, 7))) {
        PyErr_SetString(PyExc_TypeError, "add_records(engine, items, hooks): bad hooks");
        return -1;
    }
    f->record_type = PyTuple_GET_ITEM(hooks, 0);
    f->max_message = PyLong_AsSsize_t(PyTuple_GET_ITEM(hooks, 2));
    f->cause_probe = PyLong_AsLong(PyTuple_GET_ITEM(hooks, 3));
    f->warn = PyLong_AsLong(PyTuple_GET_ITEM(hooks, 4));
    f->level_rank = PyTuple_GET_ITEM(hooks, 5);
    f->status_severity = PyTuple_GET_ITEM(hooks, 6);
    f->part_cache = PyTuple_GET_ITEM(hooks, 7);
    f->mask_part = PyTuple_GET_ITEM(hooks, 8);
    f->mask_text = PyTuple_GET_ITEM(hooks, 9);
    f->probe = PyLong_AsLong(PyTuple_GET_ITEM(hooks, 10));
    f->duration_of = PyTuple_GET_ITEM(hooks, 11);
    PyObject *measures = PyTuple_GET_ITEM(hooks, 12);
    if (!PyArg_ParseTuple(measures, "dnn", &f->point_in_time, &f->max_durations,
                          &f->max_measured))
        return -1;
    f->note_limit = PyTuple_GET_ITEM(hooks, 13);
    f->track_type = PyTuple_GET_ITEM(hooks, 14);
    if (PyErr_Occurred() || limits_of(PyTuple_GET_ITEM(hooks, 1), &f->limits) < 0)
        return -1;
    f->sources = PyObject_GetAttrString(engine, "sources");
    f->new_source = PyObject_GetAttrString(engine, "_new_source");
    f->new_state = PyObject_GetAttrString(engine, "_new_state");
    f->probe_cause = PyObject_GetAttrString(engine, "_probe_cause");
    f->status_variant = PyObject_GetAttrString(engine, "_status_variant");
    f->add_other = PyObject_GetAttrString(engine, "_add_other");
    f->ids = PyObject_GetAttrString(engine, "ids");
    f->note = f->ids ? PyObject_GetAttrString(f->ids, "note") : NULL;
    PyObject *extractor = PyObject_GetAttrString(engine, "extractor");
    if (extractor != NULL) {
        f->custom = PyObject_GetAttrString(extractor, "_custom");
        f->word_cache = PyObject_GetAttrString(extractor, "_words");
        f->word_miss = PyObject_GetAttrString(extractor, "_word");
        f->grouped = PyObject_GetAttrString(extractor, "_grouped");
        Py_DECREF(extractor);
    }
    if (f->add_other == NULL || f->status_variant == NULL || f->probe_cause == NULL ||
        f->new_state == NULL || f->new_source == NULL || f->sources == NULL ||
        f->note == NULL || f->custom == NULL || f->word_cache == NULL ||
        f->word_miss == NULL || f->grouped == NULL)
        return -1;
    if (!PyDict_Check(f->sources) || !PyList_Check(f->custom)) {
        PyErr_SetString(PyExc_TypeError, "engine.sources must be a dict, its patterns a list");
        return -1;
    }
    return 0;
}

/* masking.mask(message, words) */
static PyObject *masked_text(Feed *f, PyObject *message, PyObject *words)
{
    PyObject *span = has_span(NULL, message);
    if (span == NULL)
        return NULL;
    int spanned = span == Py_True;
    Py_DECREF(span);
    if (spanned)
        return PyObject_CallOneArg(f->mask_text, message);
    PyObject *args[3] = {words, f->part_cache, f->mask_part};
    return mask_words(NULL, args, 3);
}

/* TemplateMiner.add(message, words): the id of the message's template */
static PyObject *template_id(Feed *f, PyObject *miner, PyObject *message, PyObject *words)
{
    PyObject *masked = masked_text(f, message, words);
    if (masked == NULL)
        return NULL;
    PyObject *memo = PyObject_GetAttr(miner, S_MASKED);
    PyObject *young = memo ? PyObject_GetAttr(memo, S_YOUNG) : NULL;
    Py_XDECREF(memo);
    PyObject *cluster = NULL;
    if (young != NULL && !PyDict_Check(young))
        PyErr_SetString(PyExc_TypeError, "the miner's memo must be a dict");
    else if (young != NULL)
        cluster = Py_XNewRef(PyDict_GetItemWithError(young, masked));
    Py_XDECREF(young);
    if (PyErr_Occurred())
        goto fail;
    if (cluster != NULL) { /* seen: unless it was merged into another since */
        PyObject *merged =
            fields_of(&CLUSTER_FIELDS, cluster) < 0 ? NULL : get_slot(cluster, &CLUSTER_FIELDS, CL_MERGED);
        if (merged == NULL)
            goto fail;
        if (merged != Py_None)
            Py_CLEAR(cluster);
    }
    if (cluster == NULL) {
        cluster = PyObject_CallMethodOneArg(miner, S_LOOKUP_SLOW, masked);
        if (cluster == NULL || fields_of(&CLUSTER_FIELDS, cluster) < 0)
            goto fail;
    }
    Py_DECREF(masked);
    PyObject *tid = increment(cluster, &CLUSTER_FIELDS, CL_COUNT) < 0
                        ? NULL
                        : Py_XNewRef(get_slot(cluster, &CLUSTER_FIELDS, CL_ID));
    Py_DECREF(cluster);
    return tid;
fail:
    Py_DECREF(masked);
    Py_XDECREF(cluster);
    return NULL;
}

/* dict[key], else what calling ``make`` with the args returns (a new reference) */
static PyObject *found_or_made(PyObject *dict, PyObject *key, PyObject *make, PyObject *a,
                               PyObject *b)
{
    PyObject *found = PyDict_GetItemWithError(dict, key);
    if (found != NULL)
        return Py_NewRef(found);
    if (PyErr_Occurred())
        return NULL;
    return b == NULL ? PyObject_CallOneArg(make, a) : PyObject_CallFunctionObjArgs(make, a, b, NULL);
}

/* the severity of the record: its level's, else the status's or the words' */
static PyObject *severity_of(Feed *f, PyObject *record, PyObject *state, PyObject *sev)
{
    PyObject *status = get_slot(state, &STATE_FIELDS, ST_STATUS);
    PyObject *meaning = get_slot(state, &STATE_FIELDS, ST_MEANING);
    if (status == NULL || meaning == NULL || fields_of(&MEANING_FIELDS, meaning) < 0)
        return NULL;
    long level = sev == Py_None ? 0 : PyLong_AsLong(sev);
    if (level == -1 && PyErr_Occurred())
        return NULL;
    int has_status = PyObject_IsTrue(status);
    if (has_status < 0)
        return NULL;
    if (has_status && (sev == Py_None || level < f->limits.error))
        return PyObject_CallOneArg(f->status_severity, status);
    if (sev == Py_None)
        return Py_XNewRef(get_slot(meaning, &MEANING_FIELDS, M_SEVERITY));
    int failure = slot_true(meaning, &MEANING_FIELDS, M_FAILURE);
    if (failure < 0)
        return NULL;
    if (failure && level < f->warn)
        return PyLong_FromLong(f->warn); /* an INFO line whose words say something failed */
    return Py_NewRef(sev);
}

/* a Python call whose result is not needed; -1 on error */
static int call_for_effect(PyObject *callable, PyObject *const *args, size_t nargs)
{
    PyObject *out = PyObject_Vectorcall(callable, args, nargs, NULL);
    Py_XDECREF(out);
    return out == NULL ? -1 : 0;
}

/* list(dict.fromkeys(found)) */
static PyObject *unique(PyObject *found)
{
    PyObject *seen = PyDict_New(), *out = PyList_New(0);
    for (Py_ssize_t i = 0; seen && out && i < PyList_GET_SIZE(found); i++) {
        PyObject *item = PyList_GET_ITEM(found, i);
        int known = PyDict_Contains(seen, item);
        if (known < 0 || (!known && (PyDict_SetItem(seen, item, Py_None) < 0 ||
                                     PyList_Append(out, item) < 0)))
            Py_CLEAR(out);
    }
    Py_XDECREF(seen);
    return out;
}

/* IdentifierExtractor.extract(message, words) */
static PyObject *identifiers(Feed *f, PyObject *message, PyObject *words)
{
    PyObject *found = PyList_New(0);
    for (Py_ssize_t i = 0; found && i < PyList_GET_SIZE(f->custom); i++) {
        PyObject *pattern = PyList_GET_ITEM(f->custom, i);
        PyObject *groups = PyObject_GetAttr(pattern, S_GROUPS);
        int grouped = groups ? PyObject_IsTrue(groups) : -1;
        Py_XDECREF(groups);
        if (grouped < 0) {
            Py_CLEAR(found);
        } else if (grouped) {
            PyObject *args[3] = {pattern, message, found};
            if (call_for_effect(f->grouped, args, 3) < 0)
                Py_CLEAR(found);
        } else { /* found.extend(map(str.lower, pattern.findall(message))) */
            PyObject *hits = PyObject_CallMethodOneArg(pattern, S_FINDALL, message);
            if (hits != NULL && !PyList_Check(hits)) {
                Py_CLEAR(hits);
                PyErr_SetString(PyExc_TypeError, "findall gave no list");
            }
            if (hits == NULL) {
                Py_CLEAR(found);
                break;
            }
            for (Py_ssize_t k = 0; k < PyList_GET_SIZE(hits); k++) {
                PyObject *lower = PyObject_CallMethodNoArgs(PyList_GET_ITEM(hits, k), S_LOWER);
                if (lower == NULL || PyList_Append(found, lower) < 0) {
                    Py_XDECREF(lower);
                    Py_CLEAR(found);
                    break;
                }
                Py_DECREF(lower);
            }
            Py_DECREF(hits);
        }
    }
    if (found == NULL)
        return NULL;
    PyObject *args[4] = {words, f->word_cache, f->word_miss, found};
    PyObject *done = id_words(NULL, args, 4);
    if (done == NULL) {
        Py_DECREF(found);
        return NULL;
    }
    Py_DECREF(done);
    if (PyList_GET_SIZE(found) > 1)
        Py_SETREF(found, unique(found));
    return found;
}

/* measures.duration_of: the C scan, the Python one for what it hands back */
static PyObject *found_duration(Feed *f, PyObject *message)
{
    PyObject *found = duration_of(NULL, message);
    if (found == Py_NotImplemented) {
        Py_DECREF(found);
        return PyObject_CallOneArg(f->duration_of, message);
    }
    if (found != NULL && found != Py_None && PyFloat_AsDouble(found) >= f->point_in_time)
        Py_SETREF(found, Py_NewRef(Py_None)); /* a point in time written in ms */
    return found;
}

/* pipeline._measure: keep every duration (up to a cap) and a decimated sample of records */
static int measure_one(Feed *f, PyObject *state, PyObject *record, PyObject *ts,
                       PyObject *duration)
{
    PyObject *durations = get_slot(state, &STATE_FIELDS, ST_DURATIONS);
    Py_ssize_t size = durations ? PyObject_Length(durations) : -1;
    if (size < 0)
        return -1;
    if (size < f->max_durations) { /* durations.extend((record.ts or 0.0, duration)) */
        int stamped = PyObject_IsTrue(ts);
        PyObject *at = stamped > 0 ? Py_NewRef(ts) : stamped == 0 ? PyFloat_FromDouble(0.0) : NULL;
        PyObject *pair = at ? PyTuple_Pack(2, at, duration) : NULL;
        Py_XDECREF(at);
        PyObject *out = pair ? PyObject_CallMethodOneArg(durations, S_EXTEND, pair) : NULL;
        Py_XDECREF(pair);
        if (out == NULL)
            return -1;
        Py_DECREF(out);
    }
    if (increment(state, &STATE_FIELDS, ST_MEASURE_SEEN) < 0)
        return -1;
    long n_seen = long_slot(state, &STATE_FIELDS, ST_MEASURE_SEEN);
    long every = long_slot(state, &STATE_FIELDS, ST_MEASURE_STRIDE);
    if (PyErr_Occurred())
        return -1;
    if (every <= 0) {
        PyErr_SetString(PyExc_ValueError, "measure_stride must be positive");
        return -1;
    }
    if (n_seen % every != 0)
        return 0;
    PyObject *measured = get_slot(state, &STATE_FIELDS, ST_MEASURED);
    PyObject *sample = measured ? PyTuple_Pack(2, duration, record) : NULL;
    int rc = sample ? append_below(measured, sample, -1) : -1;
    Py_XDECREF(sample);
    if (rc < 0 || PyList_GET_SIZE(measured) <= f->max_measured)
        return rc;
    /* too many: every other one, and half as many from now on */
    PyObject *step = PyLong_FromLong(2);
    PyObject *every_other = step ? PySlice_New(NULL, NULL, step) : NULL;
    PyObject *halved = every_other ? PyObject_GetItem(measured, every_other) : NULL;
    PyObject *wider = halved ? PyLong_FromLong(every * 2) : NULL;
    Py_XDECREF(step);
    Py_XDECREF(every_other);
    if (wider == NULL) {
        Py_XDECREF(halved);
        return -1;
    }
    Py_XSETREF(SLOT(state, STATE_FIELDS, ST_MEASURED), halved);
    Py_XSETREF(SLOT(state, STATE_FIELDS, ST_MEASURE_STRIDE), wider);
    return 0;
}

/* Engine._correlate: durations, stated limits, and the identifiers' sightings */
static int correlate_one(Feed *f, PyObject *state, PyObject *record, PyObject *message,
                         PyObject *words, PyObject *sev)
{
    PyObject *duration = Py_NewRef(Py_None), *idents = NULL, *rest = NULL, *outcome = NULL;
    int rc = -1;
    int measure = slot_true(state, &STATE_FIELDS, ST_MEASURE);
    if (measure < 0)
        goto done;
    if (measure) {
        Py_SETREF(duration, found_duration(f, message));
        PyObject *ts = duration ? get_slot(record, &RECORD_FIELDS, REC_TS) : NULL;
        if (ts == NULL)
            goto done;
        if (duration != Py_None && ts != Py_None) {
            if (measure_one(f, state, record, ts, duration) < 0)
                goto done;
        } else {
            long n_seen = long_slot(state, &STATE_FIELDS, ST_MEASURE_SEEN);
            long n = long_slot(state, &STATE_FIELDS, ST_COUNT);
            if (PyErr_Occurred())
                goto done;
            if (n_seen == 0 && n >= f->probe) /* this template never carries a duration */
                set_slot(state, &STATE_FIELDS, ST_MEASURE, Py_False);
        }
    }
    PyObject *meaning = get_slot(state, &STATE_FIELDS, ST_MEANING);
    int limited = meaning == NULL || fields_of(&MEANING_FIELDS, meaning) < 0
                      ? -1
                      : slot_true(meaning, &MEANING_FIELDS, M_TIMEOUT);
    if (limited == 0) {
        limited = slot_true(state, &STATE_FIELDS, ST_MEASURE);
        if (limited > 0)
            limited = slot_true(state, &STATE_FIELDS, ST_LIMIT_WORDS);
    }
    if (limited < 0)
        goto done;
    if (limited) {
        PyObject *args[3] = {state, message, duration};
        if (call_for_effect(f->note_limit, args, 3) < 0)
            goto done;
    }
    int extract = slot_true(state, &STATE_FIELDS, ST_EXTRACT_IDS);
    if (extract <= 0) {
        rc = extract;
        goto done;
    }
    idents = identifiers(f, message, words);
    if (idents == NULL)
        goto done;
    if (PyList_GET_SIZE(idents)) {
        if (increment(state, &STATE_FIELDS, ST_ID_HITS) < 0)
            goto done;
    } else {
        long n = long_slot(state, &STATE_FIELDS, ST_COUNT);
        long n_hits = long_slot(state, &STATE_FIELDS, ST_ID_HITS);
        if (PyErr_Occurred())
            goto done;
        if (n >= f->probe && n_hits == 0) { /* this template never carries identifiers */
            set_slot(state, &STATE_FIELDS, ST_EXTRACT_IDS, Py_False);
            rc = 0;
            goto done;
        }
    }
    long level = PyLong_AsLong(sev), sign = 0;
    int failure = slot_true(meaning, &MEANING_FIELDS, M_FAILURE);
    if ((level == -1 && PyErr_Occurred()) || failure < 0)
        goto done;
    if (level >= f->limits.error || failure) {
        sign = -1;
    } else {
        int success = slot_true(meaning, &MEANING_FIELDS, M_SUCCESS);
        PyObject *status = get_slot(state, &STATE_FIELDS, ST_STATUS);
        if (success < 0 || status == NULL)
            goto done;
        if (!PyUnicode_Check(status)) {
            PyErr_SetString(PyExc_TypeError, "a template's status must be a str");
            goto done;
        }
        if (success || (PyUnicode_GET_LENGTH(status) && PyUnicode_READ_CHAR(status, 0) == '2'))
            sign = 1;
    }
    PyObject *key = get_slot(state, &STATE_FIELDS, ST_KEY);
    outcome = PyLong_FromLong(sign);
    if (key == NULL || outcome == NULL)
        goto done;
    PyObject *args[7] = {f->ids, idents, record, outcome, duration, key, f->track_type};
    rest = note_sightings(NULL, args, 7);
    if (rest == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(rest); i++) { /* IdIndex.note */
        PyObject *note_args[5] = {PyList_GET_ITEM(rest, i), record, outcome, duration, key};
        if (call_for_effect(f->note, note_args, 5) < 0)
            goto done;
    }
    rc = 0;
done:
    Py_XDECREF(duration);
    Py_XDECREF(idents);
    Py_XDECREF(rest);
    Py_XDECREF(outcome);
    return rc;
}

/* Engine.add_record */
static int add_one(Feed *f, PyObject *record)
{
    if (fields_of(&RECORD_FIELDS, record) < 0)
        return -1;
    PyObject *name = get_slot(record, &RECORD_FIELDS, REC_SOURCE);
    if (name == NULL)
        return -1;
    PyObject *source = found_or_made(f->sources, name, f->new_source, name, NULL);
    if (source == NULL)
        return -1;
    PyObject *message = NULL, *words = NULL, *tid = NULL, *state = NULL, *sev = NULL;
    int rc = -1;
    if (fields_of(&SOURCE_FIELDS, source) < 0 || increment(source, &SOURCE_FIELDS, SRC_COUNT) < 0)
        goto done;
    PyObject *full = get_slot(record, &RECORD_FIELDS, REC_MESSAGE);
    if (full == NULL)
        goto done;
    if (!PyUnicode_Check(full)) {
        PyErr_SetString(PyExc_TypeError, "a record's message must be a str");
        goto done;
    }
    message = PyUnicode_GET_LENGTH(full) <= f->max_message
                  ? Py_NewRef(full)
                  : PyUnicode_Substring(full, 0, f->max_message);
    words = message ? PyUnicode_Split(message, SPACE, -1) : NULL;
    PyObject *miner = get_slot(source, &SOURCE_FIELDS, SRC_MINER);
    if (words == NULL || miner == NULL)
        goto done;
    tid = template_id(f, miner, message, words);
    PyObject *templates = get_slot(source, &SOURCE_FIELDS, SRC_TEMPLATES);
    if (tid == NULL || templates == NULL)
        goto done;
    if (!PyDict_Check(templates)) {
        PyErr_SetString(PyExc_TypeError, "a source's templates must be a dict");
        goto done;
    }
    state = found_or_made(templates, tid, f->new_state, source, tid);
    PyObject *level = get_slot(record, &RECORD_FIELDS, REC_LEVEL);
    int leveled = level ? PyObject_IsTrue(level) : -1;
    if (state == NULL || leveled < 0 || fields_of(&STATE_FIELDS, state) < 0)
        goto done;
    sev = leveled ? PyObject_CallOneArg(f->level_rank, level) : Py_NewRef(Py_None);
    int caused = sev ? slot_true(state, &STATE_FIELDS, ST_CAUSE) : -1;
    if (caused < 0)
        goto done;
    if (!caused) { /* a template without a cause yet: does this record hold a stack trace? */
        long probed = long_slot(state, &STATE_FIELDS, ST_CAUSE_PROBES);
        PyObject *text = get_slot(record, &RECORD_FIELDS, REC_TEXT);
        if ((probed == -1 && PyErr_Occurred()) || text == NULL)
            goto done;
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "a record's text must be a str");
            goto done;
        }
        if (probed < f->cause_probe) {
            Py_ssize_t at = PyUnicode_FindChar(text, '\n', 0, PyUnicode_GET_LENGTH(text), 1);
            if (at == -2)
                goto done;
            PyObject *done_ = at < 0 ? Py_NewRef(Py_None)
                                     : PyObject_CallFunctionObjArgs(f->probe_cause, source,
                                                                    state, record, sev, NULL);
            if (done_ == NULL)
                goto done;
            Py_DECREF(done_);
        }
    }
    PyObject *meaning = get_slot(state, &STATE_FIELDS, ST_MEANING);
    int http = meaning == NULL || fields_of(&MEANING_FIELDS, meaning) < 0
                   ? -1
                   : slot_true(meaning, &MEANING_FIELDS, M_HTTP);
    if (http < 0)
        goto done;
    if (http) { /* access-log lines: the status class picks the template's variant */
        PyObject *variant = PyObject_CallFunctionObjArgs(f->status_variant, source, state,
                                                         message, NULL);
        if (variant == NULL)
            goto done;
        Py_SETREF(state, variant);
        if (fields_of(&STATE_FIELDS, state) < 0)
            goto done;
    }
    Py_SETREF(sev, severity_of(f, record, state, sev));
    if (sev == NULL || count_one(&f->limits, source, state, record, sev) < 0)
        goto done;
    meaning = get_slot(state, &STATE_FIELDS, ST_MEANING);
    if (meaning == NULL || fields_of(&MEANING_FIELDS, meaning) < 0)
        goto done;
    int measure = slot_true(state, &STATE_FIELDS, ST_MEASURE);
    int ids = measure ? measure : slot_true(state, &STATE_FIELDS, ST_EXTRACT_IDS);
    int wanted = ids ? ids : slot_true(meaning, &MEANING_FIELDS, M_TIMEOUT);
    if (wanted < 0)
        goto done;
    if (wanted && correlate_one(f, state, record, message, words, sev) < 0)
        goto done;
    rc = 0;
done:
    Py_DECREF(source);
    Py_XDECREF(message);
    Py_XDECREF(words);
    Py_XDECREF(tid);
    Py_XDECREF(state);
    Py_XDECREF(sev);
    return rc;
}

static PyObject *add_records(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "add_records(engine, items, hooks)");
        return NULL;
    }
    Feed feed;
    PyObject *items = NULL;
    if (feed_of(args[0], args[2], &feed) < 0 || (items = PyObject_GetIter(args[1])) == NULL) {
        feed_clear(&feed);
        return NULL;
    }
    PyObject *item;
    int rc = 0;
    while (rc == 0 && (item = PyIter_Next(items)) != NULL) {
        if (Py_TYPE(item) == (PyTypeObject *)feed.record_type) {
            rc = add_one(&feed, item);
        } else {
            PyObject *out = PyObject_CallOneArg(feed.add_other, item);
            rc = out == NULL ? -1 : 0;
            Py_XDECREF(out);
        }
        Py_DECREF(item);
    }
    Py_DECREF(items);
    feed_clear(&feed);
    if (rc < 0 || PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}


/* templates.tokens_and_shape: masked.split(), a token of only "<*>" and punctuation (or of
 * only brackets, without "<*>") as "<*>" (templates._is_blank), and the tokens with those
 * holding an ASCII digit as "#", joined by ``sep`` */

static const char BLANK_PUNCT[] = "()[]{}<>,;:.'\"=/-_|"; /* templates._PUNCT */
static const char BRACKETS[] = "()[]{}";                 /* templates._BRACKETS */

static int only_chars(int kind, const void *data, Py_ssize_t n, const char *set, int skip_wild)
{
    for (Py_ssize_t i = 0; i < n;) {
        if (skip_wild && i + 2 < n && AT(i) == '<' && AT(i + 1) == '*' && AT(i + 2) == '>') {
            i += 3;
            continue;
        }
        Py_UCS4 c = AT(i);
        if (c > 127 || strchr(set, (int)c) == NULL || c == 0)
            return 0;
        i++;
    }
    return 1;
}

static int is_blank_token(PyObject *token)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(token);
    int kind = PyUnicode_KIND(token);
    const void *data = PyUnicode_DATA(token);
    int wild = 0;
    for (Py_ssize_t i = 0; i + 2 < n && !wild; i++)
        wild = AT(i) == '<' && AT(i + 1) == '*' && AT(i + 2) == '>';
    return wild ? only_chars(kind, data, n, BLANK_PUNCT, 1) : only_chars(kind, data, n, BRACKETS, 0);
}

static int holds_ascii_digit(PyObject *token)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(token);
    int kind = PyUnicode_KIND(token);
    const void *data = PyUnicode_DATA(token);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (AT(i) >= '0' && AT(i) <= '9')
            return 1;
    }
    return 0;
}

static PyObject *tokens_and_shape(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "tokens_and_shape(masked, sep)");
        return NULL;
    }
    PyObject *tokens = PyUnicode_Split(args[0], NULL, -1);
    if (tokens == NULL)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(tokens);
    PyObject *parts = PyList_New(n), *hash = PyUnicode_FromString("#");
    if (parts == NULL || hash == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *token = PyList_GET_ITEM(tokens, i);
        if (is_blank_token(token)) {
            PyList_SET_ITEM(tokens, i, Py_NewRef(WILDCARD));
            Py_DECREF(token);
            token = WILDCARD;
        }
        PyList_SET_ITEM(parts, i, Py_NewRef(holds_ascii_digit(token) ? hash : token));
    }
    PyObject *shape = PyUnicode_Join(args[1], parts);
    Py_DECREF(parts);
    Py_DECREF(hash);
    if (shape == NULL) {
        Py_DECREF(tokens);
        return NULL;
    }
    PyObject *out = PyTuple_Pack(2, tokens, shape);
    Py_DECREF(tokens);
    Py_DECREF(shape);
    return out;
fail:
    Py_DECREF(tokens);
    Py_XDECREF(parts);
    Py_XDECREF(hash);
    return NULL;
}


/* ------------------------------------------------------------------ template matching
 * templates._best_match: the closest template (most equal tokens, then most wildcards)
 * that differs from ``tokens`` in no plain word; a differing position is tolerated when
 * either side is "<*>" or both hold an ASCII digit. None below ``threshold``. */

static PyObject *S_TOKENS;

static int holds_digit(PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = AT(i);
        if (c >= '0' && c <= '9')
            return 1;
    }
    return 0;
}

/* a == b for two str (identity first) */
static int same_text(PyObject *a, PyObject *b)
{
    return a == b || (PyUnicode_GET_LENGTH(a) == PyUnicode_GET_LENGTH(b) &&
                      PyUnicode_Compare(a, b) == 0);
}

static PyObject *best_match(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_Check(args[0]) || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "best_match(bucket, tokens, threshold)");
        return NULL;
    }
    PyObject *bucket = args[0], *tokens = args[1];
    double threshold = PyFloat_AsDouble(args[2]);
    if (threshold == -1.0 && PyErr_Occurred())
        return NULL;
    Py_ssize_t size = PyList_GET_SIZE(tokens);
    for (Py_ssize_t i = 0; i < size; i++) {
        if (!PyUnicode_Check(PyList_GET_ITEM(tokens, i))) {
            PyErr_SetString(PyExc_TypeError, "tokens must be str");
            return NULL;
        }
    }
    PyObject *best = NULL; /* borrowed from bucket */
    double best_ratio = -1.0;
    Py_ssize_t best_wild = -1;
    for (Py_ssize_t c = 0; c < PyList_GET_SIZE(bucket); c++) {
        PyObject *cluster = PyList_GET_ITEM(bucket, c);
        PyObject *mine = PyObject_GetAttr(cluster, S_TOKENS);
        if (mine == NULL)
            return NULL;
        if (!PyList_Check(mine) || PyList_GET_SIZE(mine) != size) {
            Py_DECREF(mine);
            PyErr_SetString(PyExc_ValueError, "a template's tokens differ in length");
            return NULL;
        }
        Py_ssize_t same = 0, wild = 0, i = 0;
        for (; i < size; i++) {
            PyObject *a = PyList_GET_ITEM(mine, i), *b = PyList_GET_ITEM(tokens, i);
            if (!PyUnicode_Check(a)) {
                Py_DECREF(mine);
                PyErr_SetString(PyExc_TypeError, "tokens must be str");
                return NULL;
            }
            if (same_text(a, b))
                same++;
            else if (same_text(a, WILDCARD))
                wild++;
            else if (!same_text(b, WILDCARD) && !(holds_digit(a) && holds_digit(b)))
                break;
        }
        Py_DECREF(mine);
        if (i < size)
            continue;
        double ratio = (double)same / (double)(size ? size : 1);
        if (ratio > best_ratio || (ratio == best_ratio && wild > best_wild)) {
            best = cluster;
            best_ratio = ratio;
            best_wild = wild;
        }
    }
    if (best == NULL || best_ratio < threshold)
        Py_RETURN_NONE;
    return Py_NewRef(best);
}

static PyMethodDef METHODS[] = {
    {"has_span", (PyCFunction)has_span, METH_O,
     "Whether a variable part with a space in it may be present (see masking)."},
    {"mask_words", (PyCFunction)(void (*)(void))mask_words, METH_FASTCALL,
     "mask_words(words, cache, miss) -> the masked message."},
    {"id_words", (PyCFunction)(void (*)(void))id_words, METH_FASTCALL,
     "id_words(words, cache, miss, found) -> None; appends identifiers to found."},
    {"no_identifier", (PyCFunction)no_identifier, METH_O,
     "identifiers.no_identifier for one word."},
    {"note_sightings", (PyCFunction)(void (*)(void))note_sightings, METH_FASTCALL,
     "note_sightings(index, idents, record, outcome, duration, key, Track) -> the rest."},
    {"best_match", (PyCFunction)(void (*)(void))best_match, METH_FASTCALL,
     "best_match(bucket, tokens, threshold) -> the closest cluster or None."},
    {"add_records", (PyCFunction)(void (*)(void))add_records, METH_FASTCALL,
     "add_records(engine, items, hooks) -> None (Engine.add_all)."},
    {"tokens_and_shape", (PyCFunction)(void (*)(void))tokens_and_shape, METH_FASTCALL,
     "tokens_and_shape(masked, sep) -> (tokens, shape) (templates.tokens_and_shape)."},
    {"count_record", (PyCFunction)(void (*)(void))count_record, METH_FASTCALL,
     "count_record(source, state, record, severity, limits) -> None (Engine._count)."},
    {"duration_of", (PyCFunction)duration_of, METH_O,
     "duration_of(message) -> seconds, None, or NotImplemented for a non-ASCII message."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_speedups", "C versions of the engine's per-word loops.", -1,
    METHODS,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
    WILDCARD = PyUnicode_InternFromString("<*>");
    SPACE = PyUnicode_InternFromString(" ");
    ONE = PyLong_FromLong(1);
    EMPTY_TUPLE = PyTuple_New(0);
    if (WILDCARD == NULL || SPACE == NULL || ONE == NULL || EMPTY_TUPLE == NULL)
        return NULL;
    PyObject **names[] = {&S_TS,      &S_SOURCE,  &S_COUNT,     &S_FIRST_TS,
                          &S_FIRST,   &S_LAST_TS, &S_FAIL,      &S_FAIL_TS,
                          &S_FAIL_KEYS, &S_OK,    &S_OK_KEYS,   &S_DURATION,
                          &S_TOKENS,  &S_MASKED,  &S_YOUNG,     &S_LOOKUP_SLOW, &S_EXTEND, &S_GROUPS, &S_FINDALL, &S_LOWER,
                          &S_TRACKS,  &S_ONCE,    &S_ONCE_OLD,  &S_CAP,
                          &S_DROPPED};
    const char *texts[] = {"ts",   "source",  "count",     "first_ts", "first",    "last_ts",
                           "fail", "fail_ts", "fail_keys", "ok",       "ok_keys",  "duration",
                           "tokens", "_masked", "young", "_lookup_slow", "extend", "groups", "findall", "lower",
                           "tracks", "once", "once_old", "cap", "dropped"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        *names[i] = PyUnicode_InternFromString(texts[i]);
        if (*names[i] == NULL)
            return NULL;
    }
    return PyModule_Create(&MODULE);
}
