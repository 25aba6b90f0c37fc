/* test-json.c: the pull reader and the writer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "xapi-json.h"
#include "sim-fixture.h"

static void
test_scalars (void)
{
  g_autoptr(XapiJsonReader) r =
    xapi_json_reader_new ("[9223372036854775807,-9223372036854775808,1.5,NaN,Infinity,-Infinity,"
                          "true,false,null,\"x\",1e3,0]", -1);
  gint64 i;
  double d;
  gboolean b;
  const char *s;

  g_assert_true (xapi_json_reader_begin_array (r));
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_cmpint (xapi_json_reader_peek (r), ==, XAPI_JSON_TOKEN_INT);
  g_assert_true (xapi_json_reader_read_int64 (r, &i));
  g_assert_cmpint (i, ==, G_MAXINT64);
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_int64 (r, &i));
  g_assert_cmpint (i, ==, G_MININT64);
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_cmpint (xapi_json_reader_peek (r), ==, XAPI_JSON_TOKEN_DOUBLE);
  g_assert_true (xapi_json_reader_read_double (r, &d));
  g_assert_cmpfloat (d, ==, 1.5);
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_double (r, &d));
  g_assert_true (isnan (d));
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_double (r, &d));
  g_assert_true (isinf (d) && d > 0);
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_double (r, &d));
  g_assert_true (isinf (d) && d < 0);
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_bool (r, &b));
  g_assert_true (b);
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_bool (r, &b));
  g_assert_false (b);
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_null (r));
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_string (r, &s, NULL));
  g_assert_cmpstr (s, ==, "x");
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_double (r, &d));
  g_assert_cmpfloat (d, ==, 1000.0);
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_true (xapi_json_reader_read_double (r, &d));   /* an int read as double */
  g_assert_cmpfloat (d, ==, 0.0);
  g_assert_false (xapi_json_reader_next_element (r));
  g_assert_false (xapi_json_reader_failed (r, NULL));
  g_assert_true (xapi_json_reader_at_end (r));
}

static void
test_strings (void)
{
  g_autoptr(XapiJsonReader) r =
    xapi_json_reader_new ("{\"k\\u00e9y\":\"a\\\"b\\\\c\\/d\\n\\t\\u20ac\\ud83d\\ude00 caf\xc3\xa9\"}", -1);
  const char *key, *s;
  gsize len;

  g_assert_true (xapi_json_reader_begin_object (r));
  g_assert_true (xapi_json_reader_next_member (r, &key, &len));
  g_assert_cmpstr (key, ==, "k\xc3\xa9y");
  g_assert_cmpuint (len, ==, 4);
  g_assert_true (xapi_json_reader_read_string (r, &s, &len));
  g_assert_cmpstr (s, ==, "a\"b\\c/d\n\t\xe2\x82\xac\xf0\x9f\x98\x80 caf\xc3\xa9");
  g_assert_cmpuint (len, ==, strlen (s));
  g_assert_false (xapi_json_reader_next_member (r, &key, NULL));
  g_assert_false (xapi_json_reader_failed (r, NULL));
}

static void
expect_failure (const char    *json,
                XapiJsonError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_json_parse (json, -1, &error);

  g_assert_null (node);
  g_assert_error (error, XAPI_JSON_ERROR, (int) code);
}

static void
test_malformed (void)
{
  expect_failure ("", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("{", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("{\"a\":1,}", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("[1,]", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("[1 2]", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("{\"a\" 1}", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("{1:2}", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("\"abc", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("\"a\\x\"", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("\"\\ud800\"", XAPI_JSON_ERROR_SYNTAX);        /* lone high surrogate */
  expect_failure ("\"\\udc00\"", XAPI_JSON_ERROR_SYNTAX);        /* lone low surrogate */
  expect_failure ("\"\\u0000\"", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("\"\xff\xfe\"", XAPI_JSON_ERROR_SYNTAX);       /* invalid UTF-8 */
  expect_failure ("\"a\nb\"", XAPI_JSON_ERROR_SYNTAX);           /* raw control char */
  expect_failure ("01", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("1.", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("-", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("nul", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("truex", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("[1] 2", XAPI_JSON_ERROR_SYNTAX);
  expect_failure ("9223372036854775808", XAPI_JSON_ERROR_RANGE);
  expect_failure ("-9223372036854775809", XAPI_JSON_ERROR_RANGE);
}

static void
test_depth (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ok = NULL;

  for (int i = 0; i < XAPI_JSON_MAX_DEPTH; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < XAPI_JSON_MAX_DEPTH; i++)
    g_string_append_c (deep, ']');
  ok = xapi_json_parse (deep->str, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);

  g_string_prepend_c (deep, '[');
  g_string_append_c (deep, ']');
  expect_failure (deep->str, XAPI_JSON_ERROR_DEPTH);

  /* A million brackets must fail cleanly, not overflow the stack. */
  g_string_truncate (deep, 0);
  for (int i = 0; i < 1000000; i++)
    g_string_append_c (deep, '[');
  expect_failure (deep->str, XAPI_JSON_ERROR_DEPTH);
}

static void
test_type_mismatch_poisons (void)
{
  g_autoptr(XapiJsonReader) r = xapi_json_reader_new ("[\"x\", 1]", -1);
  g_autoptr(GError) error = NULL;
  gint64 i;

  g_assert_true (xapi_json_reader_begin_array (r));
  g_assert_true (xapi_json_reader_next_element (r));
  g_assert_false (xapi_json_reader_read_int64 (r, &i));
  g_assert_true (xapi_json_reader_failed (r, &error));
  g_assert_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_TYPE);
  /* Poisoned: every later call fails. */
  g_assert_false (xapi_json_reader_next_element (r));
  g_assert_cmpint (xapi_json_reader_peek (r), ==, XAPI_JSON_TOKEN_ERROR);
}

static void
test_skip_and_raw (void)
{
  const char *json = "{\"skip\":{\"a\":[1,2,{\"b\":NaN}],\"c\":\"}\"},\"raw\": [1, \"x\"] ,\"n\":7}";
  g_autoptr(XapiJsonReader) r = xapi_json_reader_new (json, -1);
  const char *key, *raw;
  gsize raw_len;
  gint64 n = 0;

  g_assert_true (xapi_json_reader_begin_object (r));
  g_assert_true (xapi_json_reader_next_member (r, &key, NULL));
  g_assert_cmpstr (key, ==, "skip");
  g_assert_true (xapi_json_reader_skip (r));
  g_assert_true (xapi_json_reader_next_member (r, &key, NULL));
  g_assert_cmpstr (key, ==, "raw");
  g_assert_true (xapi_json_reader_read_raw (r, &raw, &raw_len));
  g_assert_cmpmem (raw, raw_len, "[1, \"x\"]", 8);
  g_assert_true (xapi_json_reader_next_member (r, &key, NULL));
  g_assert_cmpstr (key, ==, "n");
  g_assert_true (xapi_json_reader_read_int64 (r, &n));
  g_assert_cmpint (n, ==, 7);
  g_assert_false (xapi_json_reader_next_member (r, &key, NULL));
  g_assert_false (xapi_json_reader_failed (r, NULL));
}

static void
test_node_and_writer (void)
{
  const char *json = "{\"a\":[1,2.5,NaN,-Infinity,true,null,\"q\\\"\\n\\u0001\"],\"big\":8589934592,\"f\":1.0}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_json_parse (json, -1, &error);
  g_autofree char *out = NULL;
  JsonObject *o;

  g_assert_no_error (error);
  o = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (o, "big"), ==, G_GINT64_CONSTANT (8589934592));
  g_assert_true (isnan (json_array_get_double_element (json_object_get_array_member (o, "a"), 2)));

  out = xapi_json_to_string (node, NULL);
  g_assert_cmpstr (out, ==, "{\"a\":[1,2.5,NaN,-Infinity,true,null,\"q\\\"\\n\\u0001\"],\"big\":8589934592,\"f\":1.0}");
}

static void
test_append_double (void)
{
  struct { double v; const char *s; } cases[] = {
    { 1.0, "1.0" }, { 0.5, "0.5" }, { 0.1, "0.1" }, { 1e20, "1e+20" }, { -3.0, "-3.0" },
    { 1.0 / 3.0, "0.3333333333333333" }, { 0.30000000000000004, "0.30000000000000004" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) s = g_string_new (NULL);

      xapi_json_append_double (s, cases[i].v);
      g_assert_cmpstr (s->str, ==, cases[i].s);
      /* Every output parses back to the same value. */
      {
        g_autoptr(XapiJsonReader) r = xapi_json_reader_new (s->str, -1);
        double back;
        g_assert_true (xapi_json_reader_read_double (r, &back));
        g_assert_cmpfloat (back, ==, cases[i].v);
      }
    }
}

static void
test_length_bounded (void)
{
  /* The reader must not read past @len even when the buffer continues. */
  const char buf[] = "[1,2]garbage";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_json_parse (buf, 5, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 2);

  g_clear_pointer (&node, json_node_unref);
  node = xapi_json_parse (buf, 4, &error);
  g_assert_null (node);
  g_assert_error (error, XAPI_JSON_ERROR, XAPI_JSON_ERROR_SYNTAX);
}

/* ---- streaming input ---------------------------------------------------- */

/* A trace of everything the reader sees, using each kind of call: raw text
 * for members named "raw…", skip for "skip…", values otherwise. */
static void
walk (XapiJsonReader *r,
      GString        *out)
{
  const char *s, *key;
  gsize len;
  gint64 i;
  double d;
  gboolean b;

  switch (xapi_json_reader_peek (r))
    {
    case XAPI_JSON_TOKEN_BEGIN_OBJECT:
      xapi_json_reader_begin_object (r);
      g_string_append_c (out, '{');
      while (xapi_json_reader_next_member (r, &key, &len))
        {
          g_autofree char *k = g_strndup (key, len);

          g_string_append_printf (out, "%s=", k);
          if (g_str_has_prefix (k, "raw") && xapi_json_reader_read_raw (r, &s, &len))
            g_string_append_printf (out, "<%.*s>", (int) len, s);
          else if (g_str_has_prefix (k, "skip"))
            g_string_append (out, xapi_json_reader_skip (r) ? "_" : "!");
          else
            walk (r, out);
          g_string_append_c (out, ',');
        }
      g_string_append_c (out, '}');
      break;
    case XAPI_JSON_TOKEN_BEGIN_ARRAY:
      xapi_json_reader_begin_array (r);
      g_string_append_c (out, '[');
      while (xapi_json_reader_next_element (r))
        {
          walk (r, out);
          g_string_append_c (out, ',');
        }
      g_string_append_c (out, ']');
      break;
    case XAPI_JSON_TOKEN_STRING:
      if (xapi_json_reader_read_string (r, &s, &len))
        g_string_append_printf (out, "\"%.*s\"", (int) len, s);
      break;
    case XAPI_JSON_TOKEN_INT:
      if (xapi_json_reader_read_int64 (r, &i))
        g_string_append_printf (out, "%" G_GINT64_FORMAT, i);
      break;
    case XAPI_JSON_TOKEN_DOUBLE:
      if (xapi_json_reader_read_double (r, &d))
        g_string_append_printf (out, "%.17g", d);
      break;
    case XAPI_JSON_TOKEN_BOOL:
      if (xapi_json_reader_read_bool (r, &b))
        g_string_append (out, b ? "T" : "F");
      break;
    case XAPI_JSON_TOKEN_NULL:
      if (xapi_json_reader_read_null (r))
        g_string_append (out, "N");
      break;
    default:
      xapi_json_reader_skip (r);
      break;
    }
}

static char *
trace (XapiJsonReader *r)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  walk (r, out);
  if (!xapi_json_reader_failed (r, NULL) && !xapi_json_reader_at_end (r))
    g_string_append (out, " +trailing");
  if (xapi_json_reader_failed (r, &error))
    g_string_append_printf (out, " ERROR %d %s", error->code, error->message);
  g_string_append_printf (out, " @%" G_GSIZE_FORMAT, xapi_json_reader_get_offset (r));
  return g_string_free (out, FALSE);
}

static void
test_streaming (void)
{
  g_autofree char *long_string = NULL;
  g_autofree char *big_raw = NULL;
  g_autoptr(GString) many = g_string_new ("{\"events\":[");
  const gsize chunks[] = { 1, 2, 3, 5, 7, 13, 64, 4093, 1 << 20 };
  const char *docs[] = {
    "{\"a\":[1,-2,3.5e-3,NaN,Infinity,-Infinity,true,false,null],\"b\":\"x\\\"y\\\\z\\u00e9\\ud83d\\ude00\"}",
    "{\"raw1\":{\"x\":[1,{\"y\":\"}\"}]},\"skip2\":[\"]\",{\"z\":NaN}],\"n\":9223372036854775807}",
    "  [ 1 , 2 ,\n\t3 ]  ",
    "[1,2]garbage",
    "{\"a\":\"unterminated",
    "{\"a\":\"bad \\q escape\"}",
    "{\"a\":\"lone \\ud83d\"}",
    "{\"a\":[1,2,}",
    "{\"a\":12345678901234567890}",
    "{\"a\":1.5x}",
    "{\"a\":nulx}",
    "{\"a\":tru",
    "[\"\\u00",
    "[\"a string longer than a token's lookahead \\u1\"xyz]",
    "[\"a string longer than a token's lookahead \\ud83d\\u1\"xyzw]",
    "[\"a string longer than a token's lookahead \\ud83d\"xyzwv]",
    "",
    "{\"caf\xc3\xa9\":\"\xff\"}",
    NULL, NULL, NULL,
  };

  long_string = g_strdup_printf ("{\"s\":\"%0200000d\\n\",\"t\":1}", 7);
  big_raw = g_strdup_printf ("{\"raw\":[\"%0150000d\",{\"k\":\"v\"}],\"after\":true}", 3);
  for (int i = 0; i < 300; i++)
    g_string_append_printf (many, "%s{\"id\":%d,\"name\":\"vm-%d\",\"mem\":%d.25,\"tags\":[\"a\",\"b\\n\"]}",
                            i ? "," : "", i, i, i * 1024);
  g_string_append (many, "],\"token\":\"t\"}");
  docs[G_N_ELEMENTS (docs) - 3] = long_string;
  docs[G_N_ELEMENTS (docs) - 2] = big_raw;
  docs[G_N_ELEMENTS (docs) - 1] = many->str;

  for (gsize d = 0; d < G_N_ELEMENTS (docs); d++)
    {
      g_autoptr(XapiJsonReader) whole = xapi_json_reader_new (docs[d], -1);
      g_autofree char *expected = trace (whole);

      for (gsize c = 0; c < G_N_ELEMENTS (chunks); c++)
        {
          XapiTestFeed feed = { docs[d], strlen (docs[d]), 0, chunks[c] };
          g_autoptr(XapiJsonReader) r = xapi_json_reader_new_streaming (xapi_test_feed_next, &feed);
          g_autofree char *got = trace (r);

          if (g_strcmp0 (got, expected) != 0)
            g_error ("document %" G_GSIZE_FORMAT " in chunks of %" G_GSIZE_FORMAT ":\n"
                     "whole:  %.300s\nstream: %.300s", d, chunks[c], expected, got);
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/scalars", test_scalars);
  g_test_add_func ("/json/strings", test_strings);
  g_test_add_func ("/json/malformed", test_malformed);
  g_test_add_func ("/json/depth", test_depth);
  g_test_add_func ("/json/type-mismatch-poisons", test_type_mismatch_poisons);
  g_test_add_func ("/json/skip-and-raw", test_skip_and_raw);
  g_test_add_func ("/json/node-and-writer", test_node_and_writer);
  g_test_add_func ("/json/append-double", test_append_double);
  g_test_add_func ("/json/length-bounded", test_length_bounded);
  g_test_add_func ("/json/streaming", test_streaming);

  return g_test_run ();
}
