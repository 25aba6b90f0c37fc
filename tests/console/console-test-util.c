/* console-test-util.c: helpers for the console tests (test server, waiting)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "console-test-util.h"
#include "xapi-console-tunnel.h"

static GHashTable *matched_by_server;   /* TestServer* -> GArray<gboolean> */

static GArray *
matched_of (TestServer *server)
{
  GArray *a;

  if (matched_by_server == NULL)
    matched_by_server = g_hash_table_new (NULL, NULL);
  a = g_hash_table_lookup (matched_by_server, server);
  if (a == NULL)
    {
      a = g_array_new (FALSE, TRUE, sizeof (gboolean));
      g_hash_table_insert (matched_by_server, server, a);
    }
  return a;
}

gboolean
test_wait_condition (TestCondition condition,
                     gpointer      data)
{
  gint64 deadline = g_get_monotonic_time () + CONSOLE_TEST_TIMEOUT_S * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      /* Blocks until some source is ready (at most ~50 ms, see below). */
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(const gboolean *) data;
}

gboolean
test_wait_flag (const gboolean *flag)
{
  return test_wait_condition (flag_set, (gpointer) flag);
}

/* A periodic wake-up so that deadlines are noticed even when nothing else
 * happens; it does not synchronise anything. */
static gboolean
wakeup_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
ensure_wakeup (void)
{
  static guint id;

  if (id == 0)
    id = g_timeout_add (50, wakeup_cb, NULL);
}

static void read_line_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
read_next (TestServer *server)
{
  g_data_input_stream_read_line_async (server->out, G_PRIORITY_DEFAULT, NULL, read_line_cb, server);
}

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TestServer *server = user_data;
  char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);

  if (line == NULL)
    {
      server->exited = TRUE;
      return;
    }
  if (g_getenv ("CONSOLE_TEST_VERBOSE"))
    g_printerr ("server: %s\n", line);
  g_ptr_array_add (server->lines, line);
  read_next (server);
}

static const char *
find_line (TestServer *server,
           const char *needle,
           gboolean    prefix)
{
  GArray *matched = matched_of (server);

  g_array_set_size (matched, server->lines->len);
  for (guint i = 0; i < server->lines->len; i++)
    {
      const char *line = g_ptr_array_index (server->lines, i);
      if (g_array_index (matched, gboolean, i))
        continue;
      if (prefix ? g_str_has_prefix (line, needle) : strstr (line, needle) != NULL)
        {
          g_array_index (matched, gboolean, i) = TRUE;
          return line;
        }
    }
  return NULL;
}

typedef struct {
  TestServer *server;
  const char *needle;
  gboolean    prefix;
  const char *found;
} FindData;

static gboolean
line_found (gpointer data)
{
  FindData *fd = data;

  fd->found = find_line (fd->server, fd->needle, fd->prefix);
  return fd->found != NULL || fd->server->exited;
}

const char *
test_server_wait_line (TestServer *server,
                       const char *prefix)
{
  FindData fd = { server, prefix, TRUE, NULL };

  ensure_wakeup ();
  test_wait_condition (line_found, &fd);
  return fd.found;
}

const char *
test_server_wait_substring (TestServer *server,
                            const char *substring)
{
  FindData fd = { server, substring, FALSE, NULL };

  ensure_wakeup ();
  test_wait_condition (line_found, &fd);
  return fd.found;
}

TestServer *
test_server_start (const char *extra_args)
{
  g_auto(GStrv) extra = extra_args != NULL ? g_strsplit (extra_args, " ", -1) : NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  TestServer *server = g_new0 (TestServer, 1);
  const char *ready;

  g_ptr_array_add (argv, (char *) VNC_TEST_SERVER);
  g_ptr_array_add (argv, (char *) "--cert=" CONSOLE_TEST_SRCDIR "/test-cert.pem");
  g_ptr_array_add (argv, (char *) "--key=" CONSOLE_TEST_SRCDIR "/test-key.pem");
  g_ptr_array_add (argv, (char *) "--session=" CONSOLE_TEST_SESSION);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, extra[i]);
  g_ptr_array_add (argv, NULL);

  server->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                       G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                       &error);
  g_assert_no_error (error);
  server->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  server->in = g_object_ref (g_subprocess_get_stdin_pipe (server->process));
  server->lines = g_ptr_array_new_with_free_func (g_free);
  read_next (server);

  ready = test_server_wait_line (server, "READY ");
  g_assert_nonnull (ready);
  g_assert_cmpint (sscanf (ready, "READY https=%u http=%u rfb=%u",
                           &server->https_port, &server->http_port, &server->rfb_port), ==, 3);
  return server;
}

static gboolean
server_exited (gpointer data)
{
  return ((TestServer *) data)->exited;
}

void
test_server_stop (TestServer *server)
{
  GArray *matched;

  if (server == NULL)
    return;
  g_subprocess_force_exit (server->process);
  /* Wait for EOF on stdout so the pending read finishes before freeing. */
  ensure_wakeup ();
  g_assert_true (test_wait_condition (server_exited, server));
  g_subprocess_wait (server->process, NULL, NULL);

  matched = g_hash_table_lookup (matched_by_server, server);
  if (matched != NULL)
    {
      g_hash_table_remove (matched_by_server, server);
      g_array_unref (matched);
    }
  g_output_stream_close (server->in, NULL, NULL);
  g_object_unref (server->in);
  g_object_unref (server->out);
  g_object_unref (server->process);
  g_ptr_array_unref (server->lines);
  g_free (server);
}

void
test_server_command (TestServer *server,
                     const char *command)
{
  g_autofree char *line = g_strconcat (command, "\n", NULL);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (server->in, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (server->in, NULL, NULL);
}

char *
test_server_location (TestServer *server,
                      gboolean    tls)
{
  return g_strdup_printf ("%s://127.0.0.1:%u/console?uuid=00000000-test-console",
                          tls ? "https" : "http", tls ? server->https_port : server->http_port);
}

char *
test_certificate_pin (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) cert =
    g_tls_certificate_new_from_file (CONSOLE_TEST_SRCDIR "/test-cert.pem", &error);

  g_assert_no_error (error);
  return xapi_console_tunnel_certificate_fingerprint (cert);
}
