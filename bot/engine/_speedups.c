/* Optional C versions of the engine's per-word loops (masking and identifier scan).
 *
 * Each function here does exactly what a Python function does (named in its comment);
 * tests/engine/test_speedups.py compares them on generated and real-format messages.
 * Without a compiler the module is not built and the Python versions run instead.
 * Character classes follow Python's `re` for str patterns: \d is Py_UNICODE_ISDECIMAL,
 * \s Py_UNICODE_ISSPACE, \w Py_UNICODE_ISALNUM or '_'.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *WILDCARD; /* "<*>" */
static PyObject *SPACE;    /* " " */

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
    for (Py_ssize_t i = 0; i + 1 < n; i++) {
        if (Py_UNICODE_ISSPACE(AT(i + 1)) && Py_UNICODE_ISDECIMAL(AT(i)) &&
            unit_after(kind, data, n, i + 2))
            Py_RETURN_TRUE;
    }
    for (Py_ssize_t i = 0; i + 3 < n; i++) {
        switch (AT(i)) { /* the first letters of the month names */
        case 'J': case 'F': case 'M': case 'A': case 'S': case 'O': case 'N': case 'D':
            if (month_at(kind, data, n, i))
                Py_RETURN_TRUE;
        }
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
    return is_dotted_number(kind, data, n) || is_hex_value(kind, data, n);
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
        PyObject *value = PyDict_GetItemWithError(cache, word); /* borrowed */
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

/* identifiers.IdentifierExtractor's word loop: for each word, its cached identifiers;
 * a bare number has none; a plain hex id or name-123 is itself; else ``miss(word)``.
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

static PyMethodDef METHODS[] = {
    {"has_span", (PyCFunction)has_span, METH_O,
     "Whether a variable part with a space in it may be present (see masking)."},
    {"mask_words", (PyCFunction)(void (*)(void))mask_words, METH_FASTCALL,
     "mask_words(words, cache, miss) -> the masked message."},
    {"id_words", (PyCFunction)(void (*)(void))id_words, METH_FASTCALL,
     "id_words(words, cache, miss, found) -> None; appends identifiers to found."},
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
    if (WILDCARD == NULL || SPACE == NULL)
        return NULL;
    return PyModule_Create(&MODULE);
}
