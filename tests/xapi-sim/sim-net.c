/* sim-net.c: listeners (one per host address), the TLS front end, the
 * control endpoint and its faults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim.h"

struct _SimNet {
  GPtrArray       *certs;        /* GTlsCertificate per host index (all the same one unless per-host) */
  SoupServer      *soup;
  GPtrArray       *services;     /* GSocketService per host */
  SoupServer      *control;
  GPtrArray       *conns;        /* GSocketConnection (weak) */
  guint            restart_timer;
  guint            promote_timer;
  char            *control_url;
};

typedef struct {
  Sim               *sim;
  int                host;
  GSocketConnection *tcp;
  GIOStream         *stream;     /* tcp or tls */
  GString           *head;
  char               ch;
  GSource           *peek;
} Conn;

static void
conn_free (Conn *c)
{
  if (c->peek)
    {
      g_source_destroy (c->peek);
      g_source_unref (c->peek);
    }
  g_clear_object (&c->stream);
  g_clear_object (&c->tcp);
  if (c->head)
    g_string_free (c->head, TRUE);
  g_free (c);
}

static void
conn_gone (gpointer  data,
           GObject  *where)
{
  Sim *sim = data;
  if (sim->net)
    g_ptr_array_remove_fast (sim->net->conns, where);
}

static void
track (Sim               *sim,
       GSocketConnection *tcp)
{
  g_ptr_array_add (sim->net->conns, tcp);
  g_object_weak_ref (G_OBJECT (tcp), conn_gone, sim);
}

guint
sim_net_connection_count (Sim *sim)
{
  return sim->net ? sim->net->conns->len : 0;
}

int
sim_host_index (Sim    *sim,
                SimRow *host)
{
  for (guint i = 0; i < sim->hosts->len; i++)
    if (sim->hosts->pdata[i] == host)
      return (int) i;
  return -1;
}

char *
sim_host_url (Sim *sim,
              int  host)
{
  return g_strdup_printf ("%s://%s:%d", sim->tls ? "https" : "http",
                          (char *) sim->host_addrs->pdata[host], sim->port);
}

/* ---------------------------------------------------------------- front end */

/* A bidirectional pump with large buffers (g_io_stream_splice uses 8 KiB
 * chunks, which is slow for tens of MB of event.from). */
#define PUMP_BUFFER (256 * 1024)

typedef struct {
  GIOStream *a, *b;
  GSocket   *sa, *sb;
  int        live;
} Pump;

typedef struct {
  Pump          *pump;
  GInputStream  *in;
  GOutputStream *out;
  char          *buf;
} PumpDir;

static void pump_read (PumpDir *d);

static void
pump_dir_end (PumpDir *d)
{
  Pump *p = d->pump;

  g_socket_shutdown (p->sa, TRUE, TRUE, NULL);
  g_socket_shutdown (p->sb, TRUE, TRUE, NULL);
  g_free (d->buf);
  g_free (d);
  if (--p->live == 0)
    {
      g_object_unref (p->a);
      g_object_unref (p->b);
      g_object_unref (p->sa);
      g_object_unref (p->sb);
      g_free (p);
    }
}

static void
pump_written (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PumpDir *d = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    pump_dir_end (d);
  else
    pump_read (d);
}

static void
pump_got (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  PumpDir *d = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    pump_dir_end (d);
  else
    g_output_stream_write_all_async (d->out, d->buf, n, G_PRIORITY_DEFAULT, NULL, pump_written, d);
}

static void
pump_read (PumpDir *d)
{
  g_input_stream_read_async (d->in, d->buf, PUMP_BUFFER, G_PRIORITY_DEFAULT, NULL, pump_got, d);
}

void
sim_pump_start (GIOStream *a,
            GSocket   *sa,
            GIOStream *b,
            GSocket   *sb)
{
  Pump *p = g_new0 (Pump, 1);

  p->a = g_object_ref (a);
  p->b = g_object_ref (b);
  p->sa = g_object_ref (sa);
  p->sb = g_object_ref (sb);
  p->live = 2;
  for (int i = 0; i < 2; i++)
    {
      PumpDir *d = g_new0 (PumpDir, 1);
      d->pump = p;
      d->in = g_io_stream_get_input_stream (i ? b : a);
      d->out = g_io_stream_get_output_stream (i ? a : b);
      d->buf = g_malloc (PUMP_BUFFER);
      pump_read (d);
    }
}

static void
to_soup (Conn       *c,
         const char *prefix,
         gsize       len)
{
  Sim *sim = c->sim;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (c->tcp, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (c->tcp, NULL);

  if (!G_IS_TLS_CONNECTION (c->stream))
    {
      if (!soup_server_accept_iostream (sim->net->soup, c->stream, local, remote, &error))
        g_printerr ("xapi-sim: accept: %s\n", error->message);
    }
  else
    {
      int sv[2];
      g_autoptr(GSocket) sa = NULL, sb = NULL;
      g_autoptr(GSocketConnection) a = NULL, b = NULL;

      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return;
      sa = g_socket_new_from_fd (sv[0], NULL);
      sb = g_socket_new_from_fd (sv[1], NULL);
      a = g_socket_connection_factory_create_connection (sa);
      b = g_socket_connection_factory_create_connection (sb);
      if (!soup_server_accept_iostream (sim->net->soup, G_IO_STREAM (a), local, remote, &error))
        g_printerr ("xapi-sim: accept: %s\n", error->message);
      if (len)
        g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (b)), prefix, len, NULL, NULL, NULL);
      sim_pump_start (c->stream, g_socket_connection_get_socket (c->tcp), G_IO_STREAM (b), sb);
    }
}

static void read_head_byte (Conn *c);

static void
head_byte_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Conn *c = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  /* (the simulator may be shutting down: its servers are gone) */
  if (n != 1 || c->sim->net == NULL)
    {
      conn_free (c);
      return;
    }
  g_string_append_c (c->head, c->ch);
  if (c->head->len == 8 && strncmp (c->head->str, "CONNECT ", 8) != 0)
    {
      to_soup (c, c->head->str, c->head->len);
      conn_free (c);
      return;
    }
  if (g_str_has_suffix (c->head->str, "\r\n\r\n") || c->head->len > 16384)
    {
      sim_console_connect (c->sim, c->stream, c->head->str, c->host);
      conn_free (c);
      return;
    }
  read_head_byte (c);
}

static void
read_head_byte (Conn *c)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (c->stream), &c->ch, 1, G_PRIORITY_DEFAULT, NULL,
                             head_byte_read, c);
}

static void
handshaken (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Conn *c = user_data;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, NULL))
    {
      conn_free (c);
      return;
    }
  read_head_byte (c);
}

static gboolean
peek_ready (GSocket      *sock,
            GIOCondition  cond,
            gpointer      user_data)
{
  Conn *c = user_data;
  char buf[8];
  gssize n = recv (g_socket_get_fd (sock), buf, sizeof buf, MSG_PEEK);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      g_source_unref (c->peek);
      c->peek = NULL;
      conn_free (c);
      return G_SOURCE_REMOVE;
    }
  if (n < 8 && strncmp (buf, "CONNECT ", n) == 0 && c->sim->net != NULL)
    return G_SOURCE_CONTINUE;   /* wait for more bytes */
  g_source_unref (c->peek);
  c->peek = NULL;
  if (c->sim->net == NULL)
    conn_free (c);
  else if (n == 8 && strncmp (buf, "CONNECT ", 8) == 0)
    read_head_byte (c);
  else
    {
      to_soup (c, NULL, 0);
      conn_free (c);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
incoming (GSocketService    *service,
          GSocketConnection *connection,
          GObject           *source,
          gpointer           user_data)
{
  Sim *sim = g_object_get_data (G_OBJECT (service), "sim");
  Conn *c;

  if (sim->toolstack_down)
    return TRUE;
  c = g_new0 (Conn, 1);
  c->sim = sim;
  c->host = GPOINTER_TO_INT (user_data);
  c->tcp = g_object_ref (connection);
  c->head = g_string_new (NULL);
  track (sim, connection);
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  if (sim->tls)
    {
      c->stream = G_IO_STREAM (g_tls_server_connection_new (G_IO_STREAM (connection),
                                                            sim_net_host_certificate (sim, c->host), NULL));
      if (c->stream == NULL)
        {
          conn_free (c);
          return TRUE;
        }
      g_tls_connection_handshake_async (G_TLS_CONNECTION (c->stream), G_PRIORITY_DEFAULT, NULL, handshaken, c);
    }
  else
    {
      GSocket *sock = g_socket_connection_get_socket (connection);
      c->stream = G_IO_STREAM (g_object_ref (connection));
      c->peek = g_socket_create_source (sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (c->peek, (GSourceFunc) (void (*) (void)) peek_ready, c, NULL);
      g_source_attach (c->peek, NULL);
    }
  return TRUE;
}

static void
soup_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Sim *sim = user_data;
  GSocketAddress *local = soup_server_message_get_local_address (msg);
  int host = sim->master;

  if (G_IS_INET_SOCKET_ADDRESS (local))
    {
      g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
      for (guint i = 0; i < sim->host_addrs->len; i++)
        if (strcmp (ip, sim->host_addrs->pdata[i]) == 0)
          host = (int) i;
    }
  if (strcmp (path, "/jsonrpc") == 0)
    sim_rpc_handle (sim, msg, host);
  else
    sim_http_handle (sim, msg, path, host);
}

static void
stop_services (Sim *sim)
{
  for (guint i = 0; i < sim->net->services->len; i++)
    {
      GSocketService *svc = sim->net->services->pdata[i];
      g_socket_service_stop (svc);
      g_socket_listener_close (G_SOCKET_LISTENER (svc));
    }
  g_ptr_array_set_size (sim->net->services, 0);
}

static gboolean
listen_all (Sim     *sim,
            int      port,
            GError **error)
{
  for (int attempt = 0; attempt < 50; attempt++)
    {
      int p = port;
      gboolean ok = TRUE;

      for (guint i = 0; i < sim->host_addrs->len && ok; i++)
        {
          GSocketService *svc = g_socket_service_new ();
          g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string (sim->host_addrs->pdata[i], p);
          g_autoptr(GSocketAddress) effective = NULL;
          g_autoptr(GError) local_error = NULL;

          g_object_set_data (G_OBJECT (svc), "sim", sim);
          g_ptr_array_add (sim->net->services, svc);
          if (!g_socket_listener_add_address (G_SOCKET_LISTENER (svc), addr, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, NULL, &effective, &local_error))
            {
              ok = FALSE;
              if (port != 0 || attempt == 49)
                {
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  stop_services (sim);
                  return FALSE;
                }
              break;
            }
          if (p == 0)
            p = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
          g_signal_connect (svc, "incoming", G_CALLBACK (incoming), GINT_TO_POINTER (i));
        }
      if (ok)
        {
          for (guint i = 0; i < sim->net->services->len; i++)
            g_socket_service_start (sim->net->services->pdata[i]);
          sim->port = p;
          return TRUE;
        }
      stop_services (sim);
    }
  return FALSE;
}

/* A self-signed certificate (fresh EC key) for @cn, valid for @ip, or for
 * every host address when @ip is NULL. */
static GTlsCertificate *
make_certificate (Sim        *sim,
                  const char *cn,
                  const char *ip,
                  GError    **error)
{
  g_autofree char *dir = g_dir_make_tmp ("xapi-sim-XXXXXX", error);
  g_autofree char *key = NULL, *cert = NULL, *subj = NULL;
  g_autoptr(GString) sans = g_string_new ("subjectAltName=DNS:localhost");
  g_autoptr(GSubprocess) proc = NULL;
  GTlsCertificate *result = NULL;

  if (dir == NULL)
    return NULL;
  key = g_build_filename (dir, "key.pem", NULL);
  cert = g_build_filename (dir, "cert.pem", NULL);
  subj = g_strdup_printf ("/CN=%s", cn);
  for (guint i = 0; i < sim->host_addrs->len; i++)
    if (ip == NULL || strcmp (ip, sim->host_addrs->pdata[i]) == 0)
      g_string_append_printf (sans, ",IP:%s", (char *) sim->host_addrs->pdata[i]);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, error,
                           "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", subj,
                           "-addext", sans->str, NULL);
  if (proc && g_subprocess_wait_check (proc, NULL, error))
    result = g_tls_certificate_new_from_files (cert, key, error);
  g_unlink (key);
  g_unlink (cert);
  g_rmdir (dir);
  return result;
}

/* "AB:CD:..." as xapi prints fingerprints (Certificates.pp_hash). */
static char *
certificate_fingerprint (GTlsCertificate *cert,
                         GChecksumType    type)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (type);
  guint8 digest[64];
  gsize len = sizeof digest;
  GString *out = g_string_new (NULL);

  g_object_get (cert, "certificate", &der, NULL);
  g_checksum_update (sum, der->data, der->len);
  g_checksum_get_digest (sum, digest, &len);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%s%02X", i ? ":" : "", digest[i]);
  return g_string_free (out, FALSE);
}

static JsonNode *
sv_datetime (GDateTime *dt)
{
  g_autofree char *s = sim_datetime (dt ? g_date_time_to_unix (dt) : 0);
  return sv_str (s);
}

/* The Certificate record of type "host" that xapi keeps for the TLS
 * certificate host @i serves (Certificates.Db_util.add_cert): the old one
 * goes, a new one with the new fingerprints comes. */
static void
publish_certificate (Sim *sim,
                     int  i)
{
  SimRow *host = sim->hosts->pdata[i];
  SimClass *cls = sim_model_class (sim->model, "Certificate");
  GTlsCertificate *cert = sim_net_host_certificate (sim, i);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GDateTime) not_before = NULL, not_after = NULL;
  g_autofree char *sha256 = NULL, *sha1 = NULL;
  SimRow *row;

  if (cls == NULL || cert == NULL)
    return;
  rows = sim_rows_array (cls);
  for (guint k = 0; k < rows->len; k++)
    if (sim_row_deref (sim, rows->pdata[k], "host") == host &&
        g_strcmp0 (sim_row_str (rows->pdata[k], "type"), "host") == 0)
      sim_db_remove (sim, rows->pdata[k]);

  sha256 = certificate_fingerprint (cert, G_CHECKSUM_SHA256);
  sha1 = certificate_fingerprint (cert, G_CHECKSUM_SHA1);
  g_object_get (cert, "not-valid-before", &not_before, "not-valid-after", &not_after, NULL);
  row = sim_db_add (sim, "Certificate", NULL);
  sim_row_set_str (sim, row, "name", "");
  sim_row_set_str (sim, row, "type", "host");
  sim_row_set (sim, row, "not_before", sv_datetime (not_before));
  sim_row_set (sim, row, "not_after", sv_datetime (not_after));
  sim_row_set_str (sim, row, "fingerprint", sha256);
  sim_row_set_str (sim, row, "fingerprint_sha256", sha256);
  sim_row_set_str (sim, row, "fingerprint_sha1", sha1);
  sim_row_set_ref (sim, row, "host", host);
}

/* The certificate host @i serves.  One for all hosts by default (a pool
 * whose admin installed one certificate everywhere); with
 * --per-host-certificates each host has its own key and certificate, as
 * every XenServer/XCP-ng host generates at install. */
GTlsCertificate *
sim_net_host_certificate (Sim *sim,
                          int  i)
{
  SimNet *net = sim->net;

  if (!sim->tls || net == NULL || net->certs == NULL || i < 0)
    return NULL;
  if (!sim->per_host_certs)
    return net->certs->len > 0 ? net->certs->pdata[0] : NULL;
  while ((guint) i >= net->certs->len)
    {
      g_autoptr(GError) error = NULL;
      guint k = net->certs->len;
      const char *name = k < sim->hosts->len ? sim_row_str (sim->hosts->pdata[k], "name_label") : "xapi-sim";
      GTlsCertificate *cert = make_certificate (sim, name, k < sim->host_addrs->len ? sim->host_addrs->pdata[k] : NULL,
                                                &error);
      if (cert == NULL)
        {
          g_printerr ("xapi-sim: certificate of host %u: %s\n", k, error->message);
          return NULL;
        }
      g_ptr_array_add (net->certs, cert);
    }
  return net->certs->pdata[i];
}

/* A new key and certificate for host @i (per-host mode), as
 * host.refresh_server_certificate does; @publish FALSE leaves the database
 * alone, so clients see a certificate that matches nothing they know (a
 * changed or impostor certificate). */
gboolean
sim_net_replace_certificate (Sim      *sim,
                             int       i,
                             gboolean  publish,
                             GError  **error)
{
  GTlsCertificate *cert;

  if (!sim->per_host_certs || sim_net_host_certificate (sim, i) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "needs --per-host-certificates");
      return FALSE;
    }
  cert = make_certificate (sim, sim_row_str (sim->hosts->pdata[i], "name_label"),
                           (const char *) sim->host_addrs->pdata[i], error);
  if (cert == NULL)
    return FALSE;
  g_object_unref (sim->net->certs->pdata[i]);
  sim->net->certs->pdata[i] = cert;
  if (publish)
    publish_certificate (sim, i);
  return TRUE;
}

/* host.get_server_certificate: the PEM of the certificate the host serves
 * (xapi reads it from its own certificate file). */
static void
h_host_get_server_certificate (SimCall *call)
{
  SimRow *host = sim_arg_row (call, 0);
  GTlsCertificate *cert;
  g_autofree char *pem = NULL;

  if (host == NULL)
    return;
  cert = sim_net_host_certificate (call->sim, sim_host_index (call->sim, host));
  if (cert == NULL)
    {
      sim_call_failf (call, "INTERNAL_ERROR", "the host serves no certificate (plain HTTP)", NULL);
      return;
    }
  g_object_get (cert, "certificate-pem", &pem, NULL);
  sim_call_return (call, sv_str (pem));
}

static void control_handler (SoupServer *server, SoupServerMessage *msg, const char *path,
                             GHashTable *query, gpointer user_data);

gboolean
sim_net_start (Sim     *sim,
               GError **error)
{
  g_autoptr(GSList) uris = NULL;
  SimNet *net = g_new0 (SimNet, 1);

  sim->net = net;
  net->services = g_ptr_array_new_with_free_func (g_object_unref);
  net->conns = g_ptr_array_new ();
  net->certs = g_ptr_array_new_with_free_func (g_object_unref);
  sim_register (sim, "host.get_server_certificate", h_host_get_server_certificate);
  if (sim->tls)
    {
      if (!sim->per_host_certs)
        {
          GTlsCertificate *cert = make_certificate (sim, "xapi-sim", NULL, error);

          if (cert == NULL)
            return FALSE;
          g_ptr_array_add (net->certs, cert);
        }
      for (guint i = 0; i < sim->hosts->len; i++)
        {
          if (sim_net_host_certificate (sim, (int) i) == NULL)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no certificate for host %u", i);
              return FALSE;
            }
          publish_certificate (sim, (int) i);
        }
    }
  net->soup = soup_server_new ("server-header", "xapi-sim", NULL);
  soup_server_add_handler (net->soup, NULL, soup_handler, sim, NULL);
  /* libsoup keeps accepted connections alive only while the server has a listener of its own */
  soup_server_listen_local (net->soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, NULL);
  if (!listen_all (sim, sim->port, error))
    return FALSE;

  net->control = soup_server_new ("server-header", "xapi-sim-control", NULL);
  soup_server_add_handler (net->control, NULL, control_handler, sim, NULL);
  {
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string ("127.0.0.1", sim->control_port);
    if (!soup_server_listen (net->control, addr, 0, error))
      return FALSE;
  }
  uris = soup_server_get_uris (net->control);
  if (uris)
    {
      GUri *u = uris->data;
      net->control_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (u));
      g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
    }
  return TRUE;
}

const char *sim_net_control_url (Sim *sim);
const char *
sim_net_control_url (Sim *sim)
{
  return sim->net->control_url;
}

void
sim_net_drop_connections (Sim *sim)
{
  g_autoptr(GPtrArray) conns = g_ptr_array_copy (sim->net->conns, NULL, NULL);

  for (guint i = 0; i < conns->len; i++)
    {
      GSocket *s = g_socket_connection_get_socket (conns->pdata[i]);
      g_socket_shutdown (s, TRUE, TRUE, NULL);
    }
  sim_events_abort_all (sim, TRUE);
}

static gboolean
restart_done (gpointer data)
{
  Sim *sim = data;
  g_autoptr(GError) error = NULL;

  sim->net->restart_timer = 0;
  sim->toolstack_down = FALSE;
  if (!listen_all (sim, sim->port, &error))
    g_printerr ("xapi-sim: could not listen again: %s\n", error->message);
  return G_SOURCE_REMOVE;
}

void
sim_net_restart (Sim    *sim,
                 double  down_seconds)
{
  sim->toolstack_down = TRUE;
  stop_services (sim);
  sim_net_drop_connections (sim);
  sim_sessions_clear (sim);
  sim_tasks_clear (sim);
  if (sim->net->restart_timer)
    g_source_remove (sim->net->restart_timer);
  sim->net->restart_timer = g_timeout_add ((guint) (MAX (down_seconds, 0.0) * 1000), restart_done, sim);
}

static gboolean
promote_done (gpointer data)
{
  Sim *sim = data;

  sim->net->promote_timer = 0;
  sim->master = (sim->master + 1) % (int) sim->hosts->len;
  sim_row_set_ref (sim, sim_pool (sim), "master", sim_master (sim));
  return G_SOURCE_REMOVE;
}

/* The master host dies: its address stops answering, every session is gone
 * (members keep answering HOST_IS_SLAVE with the dead master's address, as
 * xapi does), and after @promote_seconds the next host takes over as
 * master (xapi's emergency transition, done by HA or an admin). */
void
sim_net_kill_master (Sim    *sim,
                     double  promote_seconds)
{
  guint dead = (guint) sim->master;

  if (dead < sim->net->services->len)
    {
      GSocketService *svc = sim->net->services->pdata[dead];
      g_socket_service_stop (svc);
      g_socket_listener_close (G_SOCKET_LISTENER (svc));
    }
  sim_net_drop_connections (sim);
  sim_sessions_clear (sim);
  if (sim->net->promote_timer)
    g_source_remove (sim->net->promote_timer);
  sim->net->promote_timer = g_timeout_add ((guint) (MAX (promote_seconds, 0.0) * 1000), promote_done, sim);
}

void
sim_net_stop (Sim *sim)
{
  SimNet *net = sim->net;

  if (net == NULL)
    return;
  if (net->restart_timer)
    g_source_remove (net->restart_timer);
  if (net->promote_timer)
    g_source_remove (net->promote_timer);
  stop_services (sim);
  sim_net_drop_connections (sim);
  for (guint i = 0; i < net->conns->len; i++)
    g_object_weak_unref (net->conns->pdata[i], conn_gone, sim);
  g_ptr_array_unref (net->conns);
  g_ptr_array_unref (net->services);
  soup_server_disconnect (net->control);
  g_object_unref (net->control);
  soup_server_disconnect (net->soup);
  g_object_unref (net->soup);
  g_ptr_array_unref (net->certs);
  g_free (net->control_url);
  g_free (net);
  sim->net = NULL;
}

/* ---------------------------------------------------------------- control */

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            GString           *body)
{
  gsize len = body->len;
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, g_string_free (body, FALSE), len);
}

static void
reply_error (SoupServerMessage *msg,
             guint              status,
             const char        *text)
{
  GString *out = g_string_new ("{\"error\":");
  sim_write_string (out, text);
  g_string_append_c (out, '}');
  reply_json (msg, status, out);
}

static gint64
obj_int (JsonObject *o,
         const char *k,
         gint64      def)
{
  JsonNode *n = o ? json_object_get_member (o, k) : NULL;
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) != G_TYPE_STRING)
    return (gint64) json_node_get_double (n);
  return def;
}

static double
obj_double (JsonObject *o,
            const char *k,
            double      def)
{
  JsonNode *n = o ? json_object_get_member (o, k) : NULL;
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) != G_TYPE_STRING)
    return json_node_get_double (n);
  return def;
}

static const char *
obj_str (JsonObject *o,
         const char *k)
{
  JsonNode *n = o ? json_object_get_member (o, k) : NULL;
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

static void
fail_next_free (gpointer p)
{
  SimFailNext *f = p;
  g_free (f->method);
  g_strfreev (f->error);
  g_free (f);
}

static void
clear_faults (Sim *sim)
{
  sim->delay_ms = 0;
  sim->delay_count = 0;
  g_clear_pointer (&sim->corrupt_mode, g_free);
  g_clear_pointer (&sim->corrupt_method, g_free);
  sim->corrupt_count = 0;
  g_ptr_array_set_size (sim->fail_next, 0);
  if (sim->storm_timer)
    g_source_remove (sim->storm_timer);
  sim->storm_timer = 0;
}

static gboolean
storm_tick (gpointer data)
{
  Sim *sim = data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) rows = NULL;
  SimField *f;
  guint n;

  if (now >= sim->storm_end)
    {
      sim->storm_timer = 0;
      return G_SOURCE_REMOVE;
    }
  sim->storm_budget += sim->storm_rate * (now - sim->storm_last) / 1e6;
  sim->storm_last = now;
  rows = sim_rows_array (sim->storm_class);
  f = sim_class_field (sim->storm_class, sim->storm_field);
  if (rows->len == 0 || f == NULL)
    return G_SOURCE_CONTINUE;
  n = (guint) sim->storm_budget;
  sim->storm_budget -= n;
  for (guint i = 0; i < n; i++)
    {
      SimRow *row = rows->pdata[(sim->storm_counter++) % rows->len];
      JsonNode *v;
      if (f->type->kind == SIM_T_INT)
        v = sv_int ((gint64) sim->storm_counter);
      else if (f->type->kind == SIM_T_FLOAT)
        v = sv_float ((double) sim->storm_counter);
      else
        {
          g_autofree char *s = g_strdup_printf ("storm %" G_GUINT64_FORMAT, sim->storm_counter);
          v = sv_str (s);
        }
      sim_row_set_field (sim, row, f, v);
    }
  return G_SOURCE_CONTINUE;
}

char *sim_console_keys (Sim *sim, const char *vm_ref);

static void
control_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Sim *sim = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o = NULL;
  GString *out;

  if (strcmp (soup_server_message_get_method (msg), "POST") == 0 && body->length > 0)
    {
      if (!json_parser_load_from_data (parser, body->data, body->length, NULL)
          || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          reply_error (msg, 400, "body is not a JSON object");
          return;
        }
      o = json_node_get_object (json_parser_get_root (parser));
    }

  if (strcmp (path, "/stats") == 0)
    {
      SimClass *sc = sim_model_class (sim->model, "session");
      SimClass *tc = sim_model_class (sim->model, "task");
      out = g_string_new (NULL);
      g_string_append_printf (out, "{\"calls\":%" G_GUINT64_FORMAT ",\"sessions\":%u,\"connections\":%u,"
                              "\"tasks\":%u,\"waiters\":%u,\"generation\":%" G_GUINT64_FORMAT
                              ",\"events_served\":%" G_GUINT64_FORMAT ",\"master\":",
                              sim->calls, g_hash_table_size (sc->rows), sim_net_connection_count (sim),
                              g_hash_table_size (tc->rows), g_list_length (sim->waiters), sim->gen,
                              sim->events_served);
      sim_write_string (out, sim_row_str (sim_master (sim), "name_label"));
      g_string_append (out, ",\"storming\":");
      g_string_append (out, sim->storm_timer ? "true" : "false");
      g_string_append_printf (out, ",\"storm_counter\":%" G_GUINT64_FORMAT, sim->storm_counter);
      g_string_append (out, ",\"toolstack_down\":");
      g_string_append (out, sim->toolstack_down ? "true" : "false");
      g_string_append_printf (out, ",\"console_requests\":%u}", sim_console_request_count (sim));
      reply_json (msg, 200, out);
      return;
    }
  if (strcmp (path, "/keys") == 0)
    {
      const char *vm = query ? g_hash_table_lookup (query, "vm") : NULL;
      g_autofree char *keys = vm ? sim_console_keys (sim, vm) : NULL;
      out = g_string_new ("{\"vm\":");
      sim_write_string (out, vm ? vm : "");
      g_string_append (out, ",\"events\":[");
      g_string_append (out, keys ? keys : "");
      g_string_append (out, "]}");
      reply_json (msg, 200, out);
      return;
    }
  if (strcmp (soup_server_message_get_method (msg), "POST") != 0)
    {
      reply_error (msg, 405, "use POST");
      return;
    }
  if (strcmp (path, "/drop-connections") == 0)
    {
      guint n = sim_net_connection_count (sim);
      sim_net_drop_connections (sim);
      out = g_string_new (NULL);
      g_string_printf (out, "{\"dropped\":%u}", n);
      reply_json (msg, 200, out);
    }
  else if (strcmp (path, "/restart-toolstack") == 0)
    {
      double down = obj_double (o, "down_seconds", 2.0);
      sim_net_restart (sim, down);
      out = g_string_new (NULL);
      g_string_printf (out, "{\"down_seconds\":");
      sim_write_double (out, down);
      g_string_append_c (out, '}');
      reply_json (msg, 200, out);
    }
  else if (strcmp (path, "/kill-master") == 0)
    {
      double promote = obj_double (o, "promote_seconds", 1.0);
      out = g_string_new ("{\"dead\":");
      sim_write_string (out, sim_row_str (sim_master (sim), "address"));
      g_string_append (out, ",\"new_master\":");
      sim_write_string (out, sim_row_str (sim->hosts->pdata[(sim->master + 1) % (int) sim->hosts->len], "address"));
      g_string_append_c (out, '}');
      sim_net_kill_master (sim, promote);
      reply_json (msg, 200, out);
    }
  else if (strcmp (path, "/move-master") == 0)
    {
      const char *name = obj_str (o, "host");
      int target = (sim->master + 1) % (int) sim->hosts->len;
      if (name)
        {
          target = -1;
          for (guint i = 0; i < sim->hosts->len; i++)
            if (strcmp (sim_row_str (sim->hosts->pdata[i], "name_label"), name) == 0)
              target = (int) i;
          if (target < 0)
            {
              reply_error (msg, 404, "no such host");
              return;
            }
        }
      sim->master = target;
      sim_row_set_ref (sim, sim_pool (sim), "master", sim_master (sim));
      out = g_string_new ("{\"master\":");
      sim_write_string (out, sim_row_str (sim_master (sim), "name_label"));
      g_string_append (out, ",\"address\":");
      sim_write_string (out, sim_row_str (sim_master (sim), "address"));
      g_string_append_c (out, '}');
      reply_json (msg, 200, out);
    }
  else if (strcmp (path, "/replace-certificate") == 0)
    {
      /* {"host": name, "publish": bool}: the host gets a new key and
       * certificate; published (default) updates its Certificate record
       * like host.refresh_server_certificate, otherwise clients meet a
       * certificate the pool never announced. */
      const char *name = obj_str (o, "host");
      JsonNode *pub = o ? json_object_get_member (o, "publish") : NULL;
      gboolean publish = pub == NULL || !JSON_NODE_HOLDS_VALUE (pub) || json_node_get_boolean (pub);
      g_autoptr(GError) error = NULL;
      g_autofree char *fingerprint = NULL;
      int target = -1;

      for (guint i = 0; name && i < sim->hosts->len; i++)
        if (strcmp (sim_row_str (sim->hosts->pdata[i], "name_label"), name) == 0)
          target = (int) i;
      if (target < 0)
        {
          reply_error (msg, 404, "no such host");
          return;
        }
      if (!sim_net_replace_certificate (sim, target, publish, &error))
        {
          reply_error (msg, 400, error->message);
          return;
        }
      fingerprint = certificate_fingerprint (sim_net_host_certificate (sim, target), G_CHECKSUM_SHA256);
      out = g_string_new ("{\"fingerprint_sha256\":");
      sim_write_string (out, fingerprint);
      g_string_append_c (out, '}');
      reply_json (msg, 200, out);
    }
  else if (strcmp (path, "/invalidate-sessions") == 0)
    {
      SimClass *sc = sim_model_class (sim->model, "session");
      guint n = g_hash_table_size (sc->rows);
      sim_sessions_clear (sim);
      out = g_string_new (NULL);
      g_string_printf (out, "{\"invalidated\":%u}", n);
      reply_json (msg, 200, out);
    }
  else if (strcmp (path, "/delay") == 0)
    {
      sim->delay_ms = (int) obj_int (o, "ms", 500);
      sim->delay_count = (int) obj_int (o, "count", 1);
      if (sim->delay_count == 0)
        sim->delay_count = -1;
      reply_json (msg, 200, g_string_new ("{}"));
    }
  else if (strcmp (path, "/corrupt") == 0)
    {
      const char *mode = obj_str (o, "mode");
      if (mode == NULL || (strcmp (mode, "truncate") && strcmp (mode, "garble") && strcmp (mode, "mistype")))
        {
          reply_error (msg, 400, "mode must be truncate, garble or mistype");
          return;
        }
      g_free (sim->corrupt_mode);
      sim->corrupt_mode = g_strdup (mode);
      g_free (sim->corrupt_method);
      sim->corrupt_method = g_strdup (obj_str (o, "method"));
      sim->corrupt_count = (int) obj_int (o, "count", 1);
      if (sim->corrupt_count == 0)
        sim->corrupt_count = -1;
      reply_json (msg, 200, g_string_new ("{}"));
    }
  else if (strcmp (path, "/fail-next") == 0)
    {
      const char *method = obj_str (o, "method");
      JsonArray *err = o && json_object_has_member (o, "error") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "error"))
                       ? json_object_get_array_member (o, "error") : NULL;
      SimFailNext *f;
      if (method == NULL || err == NULL || json_array_get_length (err) == 0)
        {
          reply_error (msg, 400, "need method and error");
          return;
        }
      f = g_new0 (SimFailNext, 1);
      f->method = g_strdup (g_str_has_prefix (method, "Async.") ? method + 6 : method);
      f->error = g_new0 (char *, json_array_get_length (err) + 1);
      for (guint i = 0; i < json_array_get_length (err); i++)
        {
          JsonNode *e = json_array_get_element (err, i);
          f->error[i] = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING
                        ? g_strdup (json_node_get_string (e)) : g_strdup ("");
        }
      f->count = (int) obj_int (o, "count", 1);
      if (f->count == 0)
        f->count = -1;
      g_ptr_array_add (sim->fail_next, f);
      reply_json (msg, 200, g_string_new ("{}"));
    }
  else if (strcmp (path, "/mutate") == 0)
    {
      const char *cname = obj_str (o, "class");
      const char *ref = obj_str (o, "ref");
      const char *field = obj_str (o, "field");
      JsonNode *value = o ? json_object_get_member (o, "value") : NULL;
      SimClass *cls = cname ? sim_model_class (sim->model, cname) : NULL;
      SimRow *row = cls ? sim_db_get (sim, cls, ref) : NULL;
      SimField *f = cls && field ? sim_class_field (cls, field) : NULL;
      char *err = NULL;
      JsonNode *c;

      if (row == NULL || f == NULL || value == NULL)
        {
          reply_error (msg, 404, "no such class, object or field");
          return;
        }
      c = sim_coerce (sim->model, f->type, value, &err);
      if (c == NULL && err)
        {
          reply_error (msg, 400, err);
          g_free (err);
          return;
        }
      sim_row_set_field (sim, row, f, c);
      out = g_string_new (NULL);
      g_string_printf (out, "{\"generation\":%" G_GUINT64_FORMAT "}", sim->gen);
      reply_json (msg, 200, out);
    }
  else if (strcmp (path, "/storm") == 0)
    {
      const char *cname = obj_str (o, "class");
      SimClass *cls = sim_model_class (sim->model, cname ? cname : "VM");
      const char *field = obj_str (o, "field");
      if (cls == NULL || sim_class_field (cls, field ? field : "name_description") == NULL)
        {
          reply_error (msg, 404, "no such class or field");
          return;
        }
      sim->storm_class = cls;
      g_free (sim->storm_field);
      sim->storm_field = g_strdup (field ? field : "name_description");
      sim->storm_rate = obj_double (o, "rate", 1000.0);
      sim->storm_last = g_get_monotonic_time ();
      sim->storm_end = sim->storm_last + (gint64) (obj_double (o, "duration", 1.0) * 1e6);
      sim->storm_budget = 0;
      if (sim->storm_timer == 0)
        sim->storm_timer = g_timeout_add (10, storm_tick, sim);
      reply_json (msg, 200, g_string_new ("{}"));
    }
  else if (strcmp (path, "/clear") == 0)
    {
      clear_faults (sim);
      reply_json (msg, 200, g_string_new ("{}"));
    }
  else
    reply_error (msg, 404, "unknown control path");
}

void sim_net_free_faults (Sim *sim);
void
sim_net_free_faults (Sim *sim)
{
  clear_faults (sim);
  g_ptr_array_unref (sim->fail_next);
  g_free (sim->storm_field);
}

GDestroyNotify sim_fail_next_free_func (void);
GDestroyNotify
sim_fail_next_free_func (void)
{
  return fail_next_free;
}
