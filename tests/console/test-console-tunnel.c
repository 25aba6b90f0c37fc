/* test-console-tunnel.c: the CONNECT tunnel against the test server's front end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

#include "console-test-util.h"
#include "xapi-console-tunnel.h"

typedef struct {
  gboolean done;
  int      fd;
  GError  *error;
} OpenResult;

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OpenResult *r = user_data;

  r->fd = xapi_console_tunnel_open_finish (result, &r->error);
  r->done = TRUE;
}

static OpenResult
open_tunnel (const char   *location,
             const char   *session,
             const char   *pin,
             GCancellable *cancellable)
{
  OpenResult r = { FALSE, -1, NULL };

  xapi_console_tunnel_open_async (location, session, pin, cancellable, opened_cb, &r);
  g_assert_true (test_wait_flag (&r.done));
  return r;
}

/* The first bytes after the reply head must be the RFB banner: the tunnel
 * must not have swallowed any of them. */
static void
assert_rfb_banner (int fd)
{
  char banner[13] = { 0 };
  gsize got = 0;

  while (got < 12)
    {
      gssize n = read (fd, banner + got, 12 - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          /* Data comes through the bridge on this thread's main context. */
          g_main_context_iteration (NULL, TRUE);
          continue;
        }
      got += (gsize) n;
    }
  g_assert_cmpstr (banner, ==, "RFB 003.008\n");
}

static void
set_nonblocking (int fd)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_unix_set_fd_nonblocking (fd, TRUE, &error));
}

static gboolean
no_bridges (gpointer data)
{
  return xapi_console_tunnel_get_n_bridges () == 0;
}

static void
test_tls_pinned (void)
{
  TestServer *server = test_server_start (NULL);
  g_autofree char *location = test_server_location (server, TRUE);
  g_autofree char *pin = test_certificate_pin ();
  g_autofree char *lower = g_ascii_strdown (pin, -1);
  OpenResult r;
  const char *line;

  r = open_tunnel (location, CONSOLE_TEST_SESSION, pin, NULL);
  g_assert_no_error (r.error);
  g_assert_cmpint (r.fd, >=, 0);
  g_assert_cmpuint (xapi_console_tunnel_get_n_bridges (), ==, 1);

  line = test_server_wait_line (server, "CONNECT ");
  g_assert_nonnull (line);
  g_assert_cmpstr (line, ==, "CONNECT path=/console?uuid=00000000-test-console& session=ok");
  g_assert_nonnull (test_server_wait_line (server, "CLIENT new"));

  set_nonblocking (r.fd);
  assert_rfb_banner (r.fd);

  /* Closing our end stops the bridge and the server sees the client go. */
  close (r.fd);
  g_assert_nonnull (test_server_wait_line (server, "CLIENT gone"));
  g_assert_true (test_wait_condition (no_bridges, NULL));

  /* The pin is compared case-insensitively. */
  r = open_tunnel (location, CONSOLE_TEST_SESSION, lower, NULL);
  g_assert_no_error (r.error);
  close (r.fd);
  g_assert_true (test_wait_condition (no_bridges, NULL));

  test_server_stop (server);
}

static guint
count_lines (TestServer *server,
             const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < server->lines->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (server->lines, i), prefix);
  return n;
}

static void
test_wrong_pin (void)
{
  TestServer *server = test_server_start (NULL);
  g_autofree char *location = test_server_location (server, TRUE);
  OpenResult r;

  r = open_tunnel (location, CONSOLE_TEST_SESSION,
                   "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                   "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", NULL);
  g_assert_error (r.error, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_UNTRUSTED);
  g_assert_cmpint (r.fd, ==, -1);
  /* The message names the fingerprint that was presented. */
  {
    g_autofree char *pin = test_certificate_pin ();
    g_assert_nonnull (strstr (r.error->message, pin));
  }
  g_clear_error (&r.error);

  /* No pin: only system trust, and the test certificate is self-signed. */
  r = open_tunnel (location, CONSOLE_TEST_SESSION, NULL, NULL);
  g_assert_error (r.error, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_UNTRUSTED);
  g_clear_error (&r.error);

  g_assert_cmpuint (xapi_console_tunnel_get_n_bridges (), ==, 0);

  /* Neither request reached the server: after a good one, it has seen
   * exactly one CONNECT. */
  {
    g_autofree char *pin = test_certificate_pin ();
    r = open_tunnel (location, CONSOLE_TEST_SESSION, pin, NULL);
    g_assert_no_error (r.error);
    g_assert_nonnull (test_server_wait_line (server, "CONNECT "));
    g_assert_cmpuint (count_lines (server, "CONNECT "), ==, 1);
    close (r.fd);
    g_assert_true (test_wait_condition (no_bridges, NULL));
  }
  test_server_stop (server);
}

static void
test_wrong_session (void)
{
  TestServer *server = test_server_start (NULL);
  g_autofree char *location = test_server_location (server, TRUE);
  g_autofree char *pin = test_certificate_pin ();
  OpenResult r;

  r = open_tunnel (location, "OpaqueRef:not-a-session", pin, NULL);
  g_assert_error (r.error, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (r.error->message, "401"));
  /* The session ref is never part of an error message. */
  g_assert_null (strstr (r.error->message, "not-a-session"));
  g_assert_cmpint (r.fd, ==, -1);
  g_clear_error (&r.error);
  g_assert_nonnull (test_server_wait_line (server, "CONNECT path=/console?uuid=00000000-test-console& session=bad"));

  /* 404 for a path that is not a console. */
  {
    g_autofree char *other = g_strdup_printf ("https://127.0.0.1:%u/elsewhere", server->https_port);
    r = open_tunnel (other, CONSOLE_TEST_SESSION, pin, NULL);
    g_assert_error (r.error, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_NOT_FOUND);
    g_clear_error (&r.error);
  }
  test_server_stop (server);
}

static void
test_plain_http (void)
{
  TestServer *server = test_server_start (NULL);
  g_autofree char *location = test_server_location (server, FALSE);
  OpenResult r;

  r = open_tunnel (location, CONSOLE_TEST_SESSION, NULL, NULL);
  g_assert_no_error (r.error);
  g_assert_cmpint (r.fd, >=, 0);
  set_nonblocking (r.fd);
  assert_rfb_banner (r.fd);
  close (r.fd);
  g_assert_nonnull (test_server_wait_line (server, "CLIENT gone"));
  g_assert_true (test_wait_condition (no_bridges, NULL));
  test_server_stop (server);
}

static void
test_bad_location (void)
{
  const char *bad[] = { "", "ftp://host/console", "not a url", "https:///console" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      OpenResult r = open_tunnel (bad[i], CONSOLE_TEST_SESSION, NULL, NULL);
      g_assert_error (r.error, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_INVALID_LOCATION);
      g_clear_error (&r.error);
    }
}

static void
test_cancel (void)
{
  TestServer *server = test_server_start (NULL);
  g_autofree char *location = test_server_location (server, TRUE);
  g_autofree char *pin = test_certificate_pin ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  OpenResult r = { FALSE, -1, NULL };

  xapi_console_tunnel_open_async (location, CONSOLE_TEST_SESSION, pin, cancellable, opened_cb, &r);
  g_cancellable_cancel (cancellable);
  g_assert_true (test_wait_flag (&r.done));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (r.fd, ==, -1);
  g_clear_error (&r.error);
  test_server_stop (server);
}

static void
test_connection_refused (void)
{
  TestServer *server = test_server_start (NULL);
  g_autofree char *location = test_server_location (server, FALSE);
  OpenResult r;

  /* Nothing listens on the port any more. */
  test_server_stop (server);
  r = open_tunnel (location, CONSOLE_TEST_SESSION, NULL, NULL);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (r.error->message, "127.0.0.1"));
  g_clear_error (&r.error);
}

static void
test_fingerprint_format (void)
{
  g_autofree char *pin = test_certificate_pin ();

  g_assert_cmpuint (strlen (pin), ==, 32 * 3 - 1);
  for (gsize i = 0; pin[i] != '\0'; i++)
    {
      if (i % 3 == 2)
        g_assert_cmpint (pin[i], ==, ':');
      else
        g_assert_true (g_ascii_isxdigit (pin[i]) && !g_ascii_islower (pin[i]));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/console/tunnel/fingerprint", test_fingerprint_format);
  g_test_add_func ("/console/tunnel/tls-pinned", test_tls_pinned);
  g_test_add_func ("/console/tunnel/wrong-pin", test_wrong_pin);
  g_test_add_func ("/console/tunnel/wrong-session", test_wrong_session);
  g_test_add_func ("/console/tunnel/plain-http", test_plain_http);
  g_test_add_func ("/console/tunnel/bad-location", test_bad_location);
  g_test_add_func ("/console/tunnel/cancel", test_cancel);
  g_test_add_func ("/console/tunnel/connection-refused", test_connection_refused);

  return g_test_run ();
}
