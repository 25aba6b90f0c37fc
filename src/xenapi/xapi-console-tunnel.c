/* xapi-console-tunnel.c: HTTP CONNECT tunnel to a XenAPI /console (RFB)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * XenServer serves VM and host consoles as "CONNECT /console?uuid=..
 * HTTP/1.0" on the host that runs the VM (console.location).  After the
 * "HTTP/1.1 200 OK" head the connection carries raw RFB.  gvnc only takes a
 * file descriptor, so the TLS stream is bridged to one end of a socketpair
 * with g_io_stream_splice_async() and the other end is handed out.
 *
 * Every host of a pool has a certificate of its own.  The console of a VM
 * is on the host it runs on, so the tunnel is held to that host's
 * certificate, which the pool publishes (Certificate records) over the
 * channel the user already trusts.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-console-tunnel.h"
#include "xapi-rpc.h"

#define MAX_HEAD_BYTES 16384

G_DEFINE_QUARK (xapi-console-tunnel-error-quark, xapi_console_tunnel_error)

static gint n_bridges;   /* atomic */

typedef struct {
  char              *host;          /* for messages */
  int                port;
  gboolean           tls;
  char              *request;       /* contains the session ref: never logged */
  char              *pin;
  char              *peer_fingerprint;
  gboolean           rejected_certificate;
  GSocketClient     *client;
  GSocketConnection *connection;
  GString           *head;
  char               byte;
} TunnelData;

static void
tunnel_data_free (gpointer data)
{
  TunnelData *td = data;

  g_free (td->host);
  if (td->request != NULL)
    {
      explicit_bzero (td->request, strlen (td->request));
      g_free (td->request);
    }
  g_free (td->pin);
  g_free (td->peer_fingerprint);
  g_clear_object (&td->client);
  g_clear_object (&td->connection);
  if (td->head != NULL)
    g_string_free (td->head, TRUE);
  g_free (td);
}

char *
xapi_console_tunnel_certificate_fingerprint (GTlsCertificate *certificate)
{
  /* the same form as the RPC channel's, so one pin serves both */
  return xapi_certificate_sha256_fingerprint (certificate);
}

guint
xapi_console_tunnel_get_n_bridges (void)
{
  return (guint) g_atomic_int_get (&n_bridges);
}

/* Every certificate comes here: the connection has no CA database. */
static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *peer,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  TunnelData *td = user_data;

  g_free (td->peer_fingerprint);
  td->peer_fingerprint = xapi_console_tunnel_certificate_fingerprint (peer);

  if (td->pin != NULL && td->peer_fingerprint != NULL &&
      g_ascii_strcasecmp (td->pin, td->peer_fingerprint) == 0)
    return TRUE;

  td->rejected_certificate = TRUE;
  g_debug ("console tunnel to %s: certificate %s rejected (flags 0x%x)",
           td->host, td->peer_fingerprint, errors);
  return FALSE;
}

static void
socket_client_event_cb (GSocketClient      *client,
                        GSocketClientEvent  event,
                        GSocketConnectable *connectable,
                        GIOStream          *connection,
                        gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CONNECTION (connection))
    {
      /* so that even a certificate a CA vouches for must match the pin */
      g_tls_connection_set_database (G_TLS_CONNECTION (connection), NULL);
      g_signal_connect (connection, "accept-certificate",
                        G_CALLBACK (accept_certificate_cb), user_data);
    }
}

static void
bridge_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_splice_finish (result, &error))
    g_debug ("console bridge ended: %s", error->message);
  g_atomic_int_add (&n_bridges, -1);
}

static void
start_bridge (GTask *task)
{
  TunnelData *td = g_task_get_task_data (task);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) local = NULL;
  g_autoptr(GError) error = NULL;
  int sv[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               /* Translators: %s is the system's reason */
                               _("Could not create the console socket pair: %s"),
                               g_strerror (saved));
      return;
    }

  socket = g_socket_new_from_fd (sv[0], &error);
  if (socket == NULL)
    {
      close (sv[0]);
      close (sv[1]);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  local = g_socket_connection_factory_create_connection (socket);

  g_atomic_int_inc (&n_bridges);
  g_io_stream_splice_async (G_IO_STREAM (td->connection), G_IO_STREAM (local),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 |
                            G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, bridge_done_cb, NULL);
  g_task_return_int (task, sv[1]);
}

static void
return_http_error (GTask *task,
                   guint  status,
                   const char *reason)
{
  TunnelData *td = g_task_get_task_data (task);
  int code;
  const char *msg;

  switch (status)
    {
    case 401:
      code = XAPI_CONSOLE_TUNNEL_ERROR_UNAUTHORIZED;
      msg = _("The host refused the console session (401 Unauthorized): the session is invalid or has expired");
      break;
    case 403:
      code = XAPI_CONSOLE_TUNNEL_ERROR_FORBIDDEN;
      msg = _("Permission denied for this console (403 Forbidden): your role may not open it");
      break;
    case 404:
      code = XAPI_CONSOLE_TUNNEL_ERROR_NOT_FOUND;
      msg = _("The console was not found (404 Not Found): it has no address, the VM may have stopped");
      break;
    case 500:
      code = XAPI_CONSOLE_TUNNEL_ERROR_SERVER;
      msg = _("The host could not open the console (500 Internal Server Error): the VM may not be running on this host");
      break;
    case 503:
      code = XAPI_CONSOLE_TUNNEL_ERROR_BUSY;
      msg = _("The console is busy (503 Service Unavailable): another client is connected and console sessions are limited");
      break;
    default:
      g_task_return_new_error (task, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_HTTP,
                               /* Translators: %s is the host's address, %u an HTTP status code, the last %s its English reason phrase */
                               _("The console host %s answered %u %s"), td->host, status,
                               reason != NULL ? reason : "");
      return;
    }
  g_task_return_new_error (task, XAPI_CONSOLE_TUNNEL_ERROR, code, "%s", msg);
}

static void
parse_head (GTask *task)
{
  TunnelData *td = g_task_get_task_data (task);
  g_auto(GStrv) lines = g_strsplit (td->head->str, "\r\n", 2);
  g_auto(GStrv) parts = NULL;
  guint64 status = 0;

  parts = g_strsplit (lines[0], " ", 3);
  if (g_strv_length (parts) < 2 || !g_str_has_prefix (parts[0], "HTTP/1.") ||
      !g_ascii_string_to_unsigned (parts[1], 10, 100, 599, &status, NULL))
    {
      g_task_return_new_error (task, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_PROTOCOL,
                               /* Translators: %s is the host's address */
                               _("The console host %s did not answer with HTTP"), td->host);
      return;
    }
  if (status != 200)
    {
      return_http_error (task, (guint) status, parts[2]);
      return;
    }
  start_bridge (task);
}

static void
read_head_byte_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TunnelData *td = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0)
    {
      /* Translators: %s is the host's address; the system's reason follows */
      g_prefix_error (&error, _("Reading the console reply from %s: "), td->host);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (n == 0)
    {
      g_task_return_new_error (task, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_PROTOCOL,
                               /* Translators: %s is the host's address */
                               _("The console host %s closed the connection before answering"), td->host);
      return;
    }

  g_string_append_c (td->head, td->byte);
  if (td->head->len >= 4 && memcmp (td->head->str + td->head->len - 4, "\r\n\r\n", 4) == 0)
    {
      parse_head (task);
      return;
    }
  if (td->head->len >= MAX_HEAD_BYTES)
    {
      g_task_return_new_error (task, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_PROTOCOL,
                               /* Translators: %s is the host's address */
                               _("The console reply head from %s is too long"), td->host);
      return;
    }

  /* One byte at a time: whatever follows the head is RFB and must stay in
   * the socket for gvnc. */
  cancellable = g_task_get_cancellable (task);
  g_input_stream_read_async (G_INPUT_STREAM (source), &td->byte, 1, G_PRIORITY_DEFAULT,
                             cancellable, read_head_byte_cb, g_steal_pointer (&task));
}

static void
write_request_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TunnelData *td = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  GInputStream *in;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      /* Translators: %s is the host's address; the system's reason follows */
      g_prefix_error (&error, _("Sending the console request to %s: "), td->host);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  td->head = g_string_new (NULL);
  in = g_io_stream_get_input_stream (G_IO_STREAM (td->connection));
  cancellable = g_task_get_cancellable (task);
  g_input_stream_read_async (in, &td->byte, 1, G_PRIORITY_DEFAULT,
                             cancellable, read_head_byte_cb, g_steal_pointer (&task));
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TunnelData *td = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  GOutputStream *out;

  td->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (td->connection == NULL)
    {
      if (td->rejected_certificate)
        g_task_return_new_error (task, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_UNTRUSTED,
                                 /* Translators: the first %s is the host's address, the second the
                                  * certificate's SHA-256 fingerprint (hexadecimal) */
                                 _("The certificate of the console host %s (SHA-256 %s) is not trusted "
                                   "and does not match the pinned fingerprint"),
                                 td->host, td->peer_fingerprint ? td->peer_fingerprint : "?");
      else
        {
          /* Translators: %s is the host's address; the system's reason follows */
          g_prefix_error (&error, _("Could not connect to the console host %s: "), td->host);
          g_task_return_error (task, g_steal_pointer (&error));
        }
      return;
    }

  /* The handshake is over: the TLS stream outlives @td (it goes to the bridge). */
  if (G_IS_TCP_WRAPPER_CONNECTION (td->connection))
    g_signal_handlers_disconnect_by_data (
      g_tcp_wrapper_connection_get_base_io_stream (G_TCP_WRAPPER_CONNECTION (td->connection)), td);

  out = g_io_stream_get_output_stream (G_IO_STREAM (td->connection));
  cancellable = g_task_get_cancellable (task);
  g_output_stream_write_all_async (out, td->request, strlen (td->request), G_PRIORITY_DEFAULT,
                                   cancellable, write_request_cb, g_steal_pointer (&task));
}

void
xapi_console_tunnel_open_async (const char          *location,
                                const char          *session_ref,
                                const char          *pinned_sha256,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autofree char *escaped_session = NULL;
  g_autofree char *host_header = NULL;
  const char *scheme, *path, *query;
  TunnelData *td;
  int default_port;

  g_return_if_fail (location != NULL);
  g_return_if_fail (session_ref != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, xapi_console_tunnel_open_async);
  /* Once an fd is returned the caller must get it, even if cancelled late. */
  g_task_set_check_cancellable (task, FALSE);

  uri = g_uri_parse (location, G_URI_FLAGS_ENCODED, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (scheme == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    {
      g_task_return_new_error (task, XAPI_CONSOLE_TUNNEL_ERROR,
                               XAPI_CONSOLE_TUNNEL_ERROR_INVALID_LOCATION,
                               _("The console location is not an http(s) URL"));
      return;
    }

  td = g_new0 (TunnelData, 1);
  g_task_set_task_data (task, td, tunnel_data_free);
  td->tls = g_ascii_strcasecmp (scheme, "https") == 0;
  default_port = td->tls ? 443 : 80;
  td->port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : default_port;
  td->host = g_strdup (g_uri_get_host (uri));
  td->pin = g_strdup (pinned_sha256);

  path = g_uri_get_path (uri);
  if (path == NULL || *path == '\0')
    path = "/console";
  query = g_uri_get_query (uri);
  escaped_session = g_uri_escape_string (session_ref, ":", FALSE);

  if (strchr (td->host, ':') != NULL)
    host_header = td->port == default_port ? g_strdup_printf ("[%s]", td->host)
                                           : g_strdup_printf ("[%s]:%d", td->host, td->port);
  else
    host_header = td->port == default_port ? g_strdup (td->host)
                                           : g_strdup_printf ("%s:%d", td->host, td->port);

  td->request = g_strdup_printf ("CONNECT %s?%s%ssession_id=%s HTTP/1.0\r\n"
                                 "Host: %s\r\n"
                                 "Cookie: session_id=%s\r\n"
                                 "\r\n",
                                 path, query != NULL ? query : "",
                                 query != NULL && *query != '\0' ? "&" : "",
                                 escaped_session, host_header, escaped_session);
  explicit_bzero (escaped_session, strlen (escaped_session));

  td->client = g_socket_client_new ();
  g_socket_client_set_tls (td->client, td->tls);
  g_socket_client_set_timeout (td->client, 30);
  if (td->tls)
    g_signal_connect (td->client, "event", G_CALLBACK (socket_client_event_cb), td);

  address = g_network_address_new (td->host, (guint16) td->port);
  g_socket_client_connect_async (td->client, address, cancellable, connected_cb,
                                 g_steal_pointer (&task));
}

int
xapi_console_tunnel_open_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xapi_console_tunnel_open_async, -1);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* Per-host pins                                                            */

typedef enum {
  PIN_NONE,    /* not a host of this pool (or no cache): system trust only */
  PIN_KNOWN,
  PIN_FETCH,   /* a pool host without a Certificate record: ask xapi */
} PinSource;

static PinSource
find_pin (XapiConnection  *connection,
          const char      *location,
          char           **out_pin,
          char           **out_host_ref)
{
  g_autoptr(GUri) uri = g_uri_parse (location, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(GUri) own = NULL;
  const char *address, *connection_uri, *fingerprint;
  XapiObject *host;

  *out_pin = NULL;
  *out_host_ref = NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return PIN_NONE;
  address = g_uri_get_host (uri);

  /* The host of the RPC channel: the certificate the user trusted there. */
  connection_uri = xapi_connection_get_uri (connection);
  own = connection_uri != NULL ? g_uri_parse (connection_uri, G_URI_FLAGS_NONE, NULL) : NULL;
  if (own != NULL && g_uri_get_host (own) != NULL &&
      g_ascii_strcasecmp (g_uri_get_host (own), address) == 0)
    {
      const char *pin = xapi_connection_get_pinned_fingerprint (connection);

      if (pin == NULL)
        pin = xapi_connection_get_peer_fingerprint (connection);
      if (pin != NULL)
        {
          *out_pin = g_strdup (pin);
          return PIN_KNOWN;
        }
    }

  host = xapi_connection_find_host (connection, address);
  if (host == NULL)
    return PIN_NONE;
  fingerprint = xapi_connection_get_host_fingerprint (connection, host);
  if (fingerprint != NULL)
    {
      *out_pin = g_strdup (fingerprint);
      return PIN_KNOWN;
    }
  *out_host_ref = g_strdup (xapi_object_get_ref (host));
  return PIN_FETCH;
}

char *
xapi_console_tunnel_lookup_pin (XapiConnection *connection,
                                const char     *location)
{
  g_autofree char *pin = NULL;
  g_autofree char *host_ref = NULL;

  g_return_val_if_fail (XAPI_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (location != NULL, NULL);

  if (find_pin (connection, location, &pin, &host_ref) == PIN_KNOWN)
    return g_steal_pointer (&pin);
  return NULL;
}

typedef struct {
  char *location;
  char *session;    /* never logged */
  char *address;    /* for messages */
} ForConnectionData;

static void
for_connection_data_free (gpointer data)
{
  ForConnectionData *fd = data;

  g_free (fd->location);
  if (fd->session != NULL)
    {
      explicit_bzero (fd->session, strlen (fd->session));
      g_free (fd->session);
    }
  g_free (fd->address);
  g_free (fd);
}

static void
for_connection_opened_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  int fd = xapi_console_tunnel_open_finish (result, &error);

  if (fd < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, fd);
}

static void
open_with_pin (GTask      *task,
               const char *pin)
{
  ForConnectionData *fd = g_task_get_task_data (task);

  xapi_console_tunnel_open_async (fd->location, fd->session, pin, g_task_get_cancellable (task),
                                  for_connection_opened_cb, task);
}

static void
server_certificate_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ForConnectionData *fd = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *pin = NULL;

  pem = xapi_host_get_server_certificate_finish (XAPI_CONNECTION (source), result, &error);
  if (pem != NULL)
    certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  if (certificate == NULL)
    {
      /* Translators: %s is the host's address; the system's reason follows */
      g_prefix_error (&error, _("Could not learn the certificate of the console host %s: "), fd->address);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  pin = xapi_console_tunnel_certificate_fingerprint (certificate);
  open_with_pin (g_steal_pointer (&task), pin);
}

void
xapi_console_tunnel_open_for_connection_async (XapiConnection      *connection,
                                               const char          *location,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *host_ref = NULL;
  ForConnectionData *fd;
  const char *session;

  g_return_if_fail (XAPI_IS_CONNECTION (connection));
  g_return_if_fail (location != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, xapi_console_tunnel_open_for_connection_async);
  g_task_set_check_cancellable (task, FALSE);

  session = xapi_connection_get_session_ref (connection);
  if (session == NULL)
    {
      g_task_return_new_error (task, XAPI_CONSOLE_TUNNEL_ERROR, XAPI_CONSOLE_TUNNEL_ERROR_UNAUTHORIZED,
                               _("Not connected to the pool: the console needs a session"));
      return;
    }

  fd = g_new0 (ForConnectionData, 1);
  g_task_set_task_data (task, fd, for_connection_data_free);
  fd->location = g_strdup (location);
  fd->session = g_strdup (session);
  uri = g_uri_parse (location, G_URI_FLAGS_ENCODED, NULL);
  fd->address = g_strdup (uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "?");

  switch (find_pin (connection, location, &pin, &host_ref))
    {
    case PIN_FETCH:
      xapi_host_get_server_certificate_async (connection, host_ref, cancellable,
                                              server_certificate_cb, g_steal_pointer (&task));
      break;
    case PIN_KNOWN:
    case PIN_NONE:
    default:
      open_with_pin (g_steal_pointer (&task), pin);
      break;
    }
}

int
xapi_console_tunnel_open_for_connection_finish (GAsyncResult  *result,
                                                GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        xapi_console_tunnel_open_for_connection_async, -1);

  return (int) g_task_propagate_int (G_TASK (result), error);
}
