/* xapi-rpc.c: JSON-RPC transport to one xapi host
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>
#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "xapi-rpc.h"
#include "xapi-error.h"

/* Replies larger than this are decoded in a worker thread. */
#define INLINE_DECODE_LIMIT (128 * 1024)
/* Replies are read in pieces of this size, one main-loop iteration each. */
#define READ_CHUNK           ((gsize) 256 * 1024)
/* Parsed replies larger than this (or of unknown length) are decoded while
 * they arrive, so the whole body is never held at once. */
#define STREAM_DECODE_LIMIT  ((goffset) 1024 * 1024)
/* A Content-Length up to this is allocated at once (no regrowth copies). */
#define PREALLOC_LIMIT       ((goffset) 512 * 1024 * 1024)
/* Larger replies are refused: no pool sends this much in one reply. */
#define MAX_REPLY_SIZE       ((gsize) 2 * 1024 * 1024 * 1024 - 1)

struct _XapiRpc {
  GObject                 parent_instance;

  char                   *base_uri;
  char                   *endpoint;
  SoupSession            *session;
  guint64                 next_id;

  XapiRpcCertificateFunc  cert_func;
  gpointer                cert_data;
  GDestroyNotify          cert_destroy;

  GTlsCertificate        *peer_certificate;
};

G_DEFINE_FINAL_TYPE (XapiRpc, xapi_rpc, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BASE_URI,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
xapi_rpc_finalize (GObject *object)
{
  XapiRpc *self = XAPI_RPC (object);

  if (self->cert_destroy != NULL)
    self->cert_destroy (self->cert_data);
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->peer_certificate);
  g_free (self->base_uri);
  g_free (self->endpoint);

  G_OBJECT_CLASS (xapi_rpc_parent_class)->finalize (object);
}

static void
xapi_rpc_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  XapiRpc *self = XAPI_RPC (object);

  switch (prop_id)
    {
    case PROP_BASE_URI:
      g_value_set_string (value, self->base_uri);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xapi_rpc_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  XapiRpc *self = XAPI_RPC (object);

  switch (prop_id)
    {
    case PROP_BASE_URI:
      {
        const char *uri = g_value_get_string (value);
        gsize len;

        self->base_uri = g_strdup (uri ? uri : "");
        len = strlen (self->base_uri);
        while (len > 0 && self->base_uri[len - 1] == '/')
          self->base_uri[--len] = '\0';
        self->endpoint = g_strconcat (self->base_uri, "/jsonrpc", NULL);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xapi_rpc_class_init (XapiRpcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = xapi_rpc_finalize;
  object_class->get_property = xapi_rpc_get_property;
  object_class->set_property = xapi_rpc_set_property;

  properties[PROP_BASE_URI] =
    g_param_spec_string ("base-uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
xapi_rpc_init (XapiRpc *self)
{
  self->session = soup_session_new_with_options ("max-conns", 32,
                                                 "max-conns-per-host", 8,
                                                 "timeout", 0,
                                                 "idle-timeout", 60,
                                                 "user-agent", "XenPools/" PACKAGE_VERSION " ",
                                                 NULL);
  /* No CA database: every certificate, even one a CA vouches for, goes
   * through accept-certificate and so through the pin. */
  soup_session_set_tls_database (self->session, NULL);
  self->next_id = 1;
}

/* A CA database that vouches for no certificate. */
typedef struct {
  GTlsDatabase parent_instance;
} XapiNoAuthority;

typedef GTlsDatabaseClass XapiNoAuthorityClass;

G_DEFINE_TYPE (XapiNoAuthority, xapi_no_authority, G_TYPE_TLS_DATABASE)

static GTlsCertificateFlags
no_authority_verify_chain (GTlsDatabase             *database,
                           GTlsCertificate          *chain,
                           const char               *purpose,
                           GSocketConnectable       *identity,
                           GTlsInteraction          *interaction,
                           GTlsDatabaseVerifyFlags   flags,
                           GCancellable             *cancellable,
                           GError                  **error)
{
  return G_TLS_CERTIFICATE_UNKNOWN_CA;
}

static void
xapi_no_authority_class_init (XapiNoAuthorityClass *klass)
{
  klass->verify_chain = no_authority_verify_chain;
}

static void
xapi_no_authority_init (XapiNoAuthority *self)
{
}

void
xapi_tls_trust_no_authority (void)
{
  g_autoptr(GTlsDatabase) database = g_object_new (xapi_no_authority_get_type (), NULL);

  g_tls_backend_set_default_database (g_tls_backend_get_default (), database);
}

XapiRpc *
xapi_rpc_new (const char *base_uri)
{
  g_return_val_if_fail (base_uri != NULL, NULL);

  return g_object_new (XAPI_TYPE_RPC, "base-uri", base_uri, NULL);
}

const char *
xapi_rpc_get_base_uri (XapiRpc *self)
{
  g_return_val_if_fail (XAPI_IS_RPC (self), NULL);
  return self->base_uri;
}

void
xapi_rpc_set_certificate_func (XapiRpc                *self,
                               XapiRpcCertificateFunc  func,
                               gpointer                user_data,
                               GDestroyNotify          destroy)
{
  g_return_if_fail (XAPI_IS_RPC (self));

  if (self->cert_destroy != NULL)
    self->cert_destroy (self->cert_data);
  self->cert_func = func;
  self->cert_data = user_data;
  self->cert_destroy = destroy;
}

GTlsCertificate *
xapi_rpc_get_peer_certificate (XapiRpc *self)
{
  g_return_val_if_fail (XAPI_IS_RPC (self), NULL);
  return self->peer_certificate;
}

char *
xapi_certificate_sha256_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  GString *out;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_len);

  out = g_string_sized_new (96);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* Response decoding                                                        */

static GError *
error_from_node (JsonNode *node)
{
  g_autoptr(GPtrArray) desc = g_ptr_array_new_with_free_func (g_free);

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *e = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
            g_ptr_array_add (desc, g_strdup (json_node_get_string (e)));
          else
            g_ptr_array_add (desc, xapi_json_to_string (e, NULL));
        }
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonNode *message = json_object_get_member (object, "message");
      JsonNode *data = json_object_get_member (object, "data");

      if (message != NULL && JSON_NODE_HOLDS_VALUE (message) &&
          json_node_get_value_type (message) == G_TYPE_STRING)
        g_ptr_array_add (desc, g_strdup (json_node_get_string (message)));
      else
        g_ptr_array_add (desc, g_strdup ("UNKNOWN_ERROR"));

      if (data != NULL && JSON_NODE_HOLDS_ARRAY (data))
        {
          JsonArray *array = json_node_get_array (data);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *e = json_array_get_element (array, i);

              if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
                g_ptr_array_add (desc, g_strdup (json_node_get_string (e)));
              else
                g_ptr_array_add (desc, xapi_json_to_string (e, NULL));
            }
        }
      else if (data != NULL && JSON_NODE_HOLDS_VALUE (data) &&
               json_node_get_value_type (data) == G_TYPE_STRING)
        g_ptr_array_add (desc, g_strdup (json_node_get_string (data)));
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    g_ptr_array_add (desc, g_strdup (json_node_get_string (node)));

  if (desc->len == 0)
    g_ptr_array_add (desc, g_strdup ("UNKNOWN_ERROR"));
  g_ptr_array_add (desc, NULL);
  return xapi_error_new_from_description ((const char * const *) desc->pdata);
}

static GError *
protocol_error (const char   *what,
                const GError *cause)
{
  if (cause != NULL)
    return g_error_new (XAPI_ERROR, XAPI_ERROR_PROTOCOL, "%s: %s", what, cause->message);
  return g_error_new_literal (XAPI_ERROR, XAPI_ERROR_PROTOCOL, what);
}

static gpointer decode_reader (XapiJsonReader *reader, XapiRpcResultParser parser,
                               gpointer parser_data, GDestroyNotify result_free, GError **error);

gpointer
xapi_rpc_decode_response (const char           *body,
                          gsize                 length,
                          XapiRpcResultParser   parser,
                          gpointer              parser_data,
                          GDestroyNotify        result_free,
                          GError              **error)
{
  g_autoptr(XapiJsonReader) reader = xapi_json_reader_new (body, (gssize) length);

  return decode_reader (reader, parser, parser_data, result_free, error);
}

static gpointer
decode_reader (XapiJsonReader       *reader,
               XapiRpcResultParser   parser,
               gpointer              parser_data,
               GDestroyNotify        result_free,
               GError              **error)
{
  g_autoptr(GError) local = NULL;
  GError *api_error = NULL;
  gpointer result = NULL;
  gboolean have_result = FALSE;
  gboolean result_null = FALSE;
  const char *key;

  if (!xapi_json_reader_begin_object (reader))
    {
      xapi_json_reader_failed (reader, &local);
      g_propagate_error (error, protocol_error ("The reply is not a JSON-RPC response", local));
      return NULL;
    }

  while (xapi_json_reader_next_member (reader, &key, NULL))
    {
      if (strcmp (key, "result") == 0)
        {
          if (have_result)
            {
              g_clear_error (&api_error);
              if (result != NULL)
                (parser ? result_free : (GDestroyNotify) json_node_unref) (result);
              g_set_error_literal (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL,
                                   "The reply has two results");
              return NULL;
            }
          have_result = TRUE;

          if (xapi_json_reader_peek (reader) == XAPI_JSON_TOKEN_NULL)
            {
              xapi_json_reader_read_null (reader);
              result_null = TRUE;
            }
          else if (parser != NULL)
            {
              result = parser (reader, parser_data, &local);
              if (result == NULL)
                {
                  g_clear_error (&api_error);
                  if (local == NULL)
                    xapi_json_reader_failed (reader, &local);
                  if (local != NULL && local->domain != XAPI_JSON_ERROR &&
                      local->domain != XAPI_ERROR)
                    {
                      g_propagate_error (error, g_steal_pointer (&local));
                      return NULL;
                    }
                  if (local != NULL && local->domain == XAPI_ERROR)
                    {
                      g_propagate_error (error, g_steal_pointer (&local));
                      return NULL;
                    }
                  g_propagate_error (error, protocol_error ("The reply's result is malformed", local));
                  return NULL;
                }
            }
          else
            result = xapi_json_reader_read_node (reader);
        }
      else if (strcmp (key, "error") == 0)
        {
          if (xapi_json_reader_peek (reader) == XAPI_JSON_TOKEN_NULL)
            xapi_json_reader_read_null (reader);
          else
            {
              g_autoptr(JsonNode) node = xapi_json_reader_read_node (reader);

              if (node != NULL && api_error == NULL)
                api_error = error_from_node (node);
            }
        }
      else
        xapi_json_reader_skip (reader);
    }

  if (!xapi_json_reader_failed (reader, &local) && !xapi_json_reader_at_end (reader))
    local = g_error_new_literal (XAPI_JSON_ERROR, XAPI_JSON_ERROR_SYNTAX, "trailing data after the reply");

  if (local != NULL)
    {
      g_clear_error (&api_error);
      if (result != NULL)
        (parser ? result_free : (GDestroyNotify) json_node_unref) (result);
      g_propagate_error (error, protocol_error ("The reply is malformed", local));
      return NULL;
    }

  if (api_error != NULL)
    {
      if (result != NULL)
        (parser ? result_free : (GDestroyNotify) json_node_unref) (result);
      g_propagate_error (error, api_error);
      return NULL;
    }

  if (!have_result)
    {
      g_set_error_literal (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL,
                           "The reply has neither a result nor an error");
      return NULL;
    }

  if (result_null)
    {
      if (parser != NULL)
        {
          g_set_error_literal (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL,
                               "The reply's result is null");
          return NULL;
        }
      return json_node_new (JSON_NODE_NULL);
    }

  return result;
}

/* ------------------------------------------------------------------------ */
/* Calls                                                                    */

typedef struct {
  SoupMessage          *msg;
  GCancellable         *cancellable;       /* ours: user cancel or timeout */
  GCancellable         *user_cancellable;
  gulong                user_cancel_id;
  GSource              *timeout_source;
  gboolean              timed_out;
  guint                 timeout_ms;
  char                 *method;
  XapiRpcResultParser   parser;
  gpointer              parser_data;
  GDestroyNotify        result_free;
  GBytes               *body;
  GInputStream         *stream;      /* the reply body being read */
  char                 *buf;
  gsize                 buf_len;
  gsize                 buf_size;
  /* streaming decode: chunks read on the main loop, decoded in a worker */
  gboolean              streaming;
  GMutex                feed_lock;
  GCond                 feed_cond;
  GQueue                feed;        /* GBytes */
  gboolean              feed_eof;    /* no more chunks will come */
  gboolean              feed_closed; /* the decoder has stopped reading */
  GError               *feed_error;  /* why the body ended early */
} CallData;

static void
call_data_release_io (CallData *data)
{
  if (data->user_cancellable != NULL && data->user_cancel_id != 0)
    g_cancellable_disconnect (data->user_cancellable, data->user_cancel_id);
  data->user_cancel_id = 0;
  g_clear_object (&data->user_cancellable);
  if (data->timeout_source != NULL)
    {
      g_source_destroy (data->timeout_source);
      g_clear_pointer (&data->timeout_source, g_source_unref);
    }
  g_clear_object (&data->stream);
  g_clear_object (&data->msg);
}

static void
call_data_free (gpointer p)
{
  CallData *data = p;

  call_data_release_io (data);
  g_clear_object (&data->cancellable);
  g_clear_pointer (&data->body, g_bytes_unref);
  g_queue_clear_full (&data->feed, (GDestroyNotify) g_bytes_unref);
  g_clear_error (&data->feed_error);
  g_mutex_clear (&data->feed_lock);
  g_cond_clear (&data->feed_cond);
  g_free (data->buf);
  g_free (data->method);
  g_free (data);
}

static void
user_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  CallData *data = g_task_get_task_data (task);

  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);
  g_clear_pointer (&data->timeout_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  XapiRpc *self = user_data;
  g_autofree char *fingerprint = xapi_certificate_sha256_fingerprint (certificate);

  g_set_object (&self->peer_certificate, certificate);
  if (self->cert_func == NULL || fingerprint == NULL)
    return FALSE;
  return self->cert_func (self, certificate, fingerprint, errors, self->cert_data);
}

static void
decode_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  gsize len;
  const char *body = g_bytes_get_data (data->body, &len);
  gpointer result;

  result = xapi_rpc_decode_response (body, len, data->parser, data->parser_data,
                                     data->result_free, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result,
                           data->parser ? data->result_free : (GDestroyNotify) json_node_unref);
}

/* The error to report for a failed transfer (releases the I/O). */
static GError *
transport_error (CallData *data,
                 GError   *error)
{
  gboolean timed_out = data->timed_out;
  gboolean user_cancelled = data->user_cancellable != NULL &&
                            g_cancellable_is_cancelled (data->user_cancellable);

  call_data_release_io (data);
  if (timed_out && !user_cancelled)
    {
      g_error_free (error);
      return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                          /* Translators: %s is the name of the XenAPI call (e.g. “VM.start”), %u a number of seconds */
                          _("%s: the server did not answer within %u s"),
                          data->method, (data->timeout_ms + 999) / 1000);
    }
  return error;
}

static void
return_transport_error (GTask  *task,
                        GError *error)
{
  g_task_return_error (task, transport_error (g_task_get_task_data (task), error));
}

/* ---- streaming decode ---- */

/* XapiJsonSourceFunc, on the decoder's thread: the next chunk of the body. */
static GBytes *
feed_next (gpointer user_data)
{
  CallData *data = user_data;
  GBytes *chunk;

  g_mutex_lock (&data->feed_lock);
  while (g_queue_is_empty (&data->feed) && !data->feed_eof)
    g_cond_wait (&data->feed_cond, &data->feed_lock);
  chunk = g_queue_pop_head (&data->feed);
  g_mutex_unlock (&data->feed_lock);
  return chunk;
}

/* Main loop: queue @chunk (or end the body, with @error if it failed).
 * FALSE when the decoder no longer reads (it failed early). */
static gboolean
feed_push (CallData *data,
           GBytes   *chunk,
           GError   *error)
{
  gboolean open;

  g_mutex_lock (&data->feed_lock);
  open = !data->feed_closed;
  if (chunk != NULL && open)
    g_queue_push_tail (&data->feed, g_bytes_ref (chunk));
  if (chunk == NULL)
    {
      data->feed_eof = TRUE;
      data->feed_error = error;
    }
  g_cond_signal (&data->feed_cond);
  g_mutex_unlock (&data->feed_lock);
  return open;
}

static void
decode_stream_in_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  CallData *data = task_data;
  g_autoptr(XapiJsonReader) reader = xapi_json_reader_new_streaming (feed_next, data);
  GError *error = NULL;
  GError *transport = NULL;
  gpointer result;

  result = decode_reader (reader, data->parser, data->parser_data, data->result_free, &error);

  g_mutex_lock (&data->feed_lock);
  data->feed_closed = TRUE;
  g_queue_clear_full (&data->feed, (GDestroyNotify) g_bytes_unref);
  if (data->feed_error != NULL)
    transport = g_error_copy (data->feed_error);
  g_mutex_unlock (&data->feed_lock);

  /* A body cut short reports why, not the JSON error it caused. */
  if (transport != NULL)
    {
      if (result != NULL)
        data->result_free (result);
      g_clear_error (&error);
      g_task_return_error (task, transport);
    }
  else if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, data->result_free);
}

static void
body_complete (GTask *task)
{
  XapiRpc *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);

  call_data_release_io (data);
  data->body = g_bytes_new_take (g_steal_pointer (&data->buf), data->buf_len);
  data->buf_len = data->buf_size = 0;

  if (data->parser != NULL || g_bytes_get_size (data->body) > INLINE_DECODE_LIMIT)
    {
      g_task_run_in_thread (task, decode_in_thread);
      return;
    }
  decode_in_thread (task, self, data, NULL);
}

static void read_more (GTask *task);

/* Streaming: after a read of @have bytes into buf, take whatever else the
 * stream can give without blocking, so one queued chunk carries many TLS
 * records (one wake-up of the decoder, one main-loop dispatch).  Sets
 * *@eof at the end of the body and *@error on a failed read. */
static gsize
read_available (CallData  *data,
                gsize      have,
                gboolean  *eof,
                GError   **error)
{
  GPollableInputStream *pollable;
  gsize total = 0;

  if (!G_IS_POLLABLE_INPUT_STREAM (data->stream) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (data->stream)))
    return 0;
  pollable = G_POLLABLE_INPUT_STREAM (data->stream);
  while (have + total < data->buf_size)
    {
      GError *local = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (pollable, data->buf + have + total,
                                                            data->buf_size - have - total,
                                                            data->cancellable, &local);

      if (n > 0)
        total += (gsize) n;
      else if (n == 0)
        {
          *eof = TRUE;
          break;
        }
      else
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_error_free (local);
          else
            g_propagate_error (error, local);
          break;
        }
    }
  return total;
}

static void
read_done (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  GTask *task = user_data;
  CallData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (data->streaming)
    {
      g_autoptr(GBytes) chunk = NULL;

      if (n > 0)
        {
          gboolean eof = FALSE;

          n += (gssize) read_available (data, (gsize) n, &eof, &error);
          /* keep the read buffer; queue a copy of what arrived */
          chunk = g_bytes_new (data->buf, n);
          data->buf_len += n;
          if (feed_push (data, chunk, NULL) && !eof && error == NULL)
            {
              read_more (task);
              return;
            }
          /* else the decoder has failed and returned already, or the
           * body ended or failed after what was queued */
          if (eof || error != NULL)
            feed_push (data, NULL, error != NULL ? transport_error (data, error) : NULL);
        }
      else
        feed_push (data, NULL, n < 0 ? transport_error (data, error) : NULL);
      call_data_release_io (data);
      g_object_unref (task);
      return;
    }
  if (n < 0)
    {
      return_transport_error (task, error);
      g_object_unref (task);
      return;
    }
  if (n == 0)
    {
      body_complete (task);
      g_object_unref (task);
      return;
    }
  data->buf_len += n;
  read_more (task);
}

/* Read the body straight into one buffer sized from Content-Length when the
 * server sends it, so a 40 MB initial sync is never copied while it grows
 * and every read is a short main-loop iteration. */
static void
read_more (GTask *task)
{
  CallData *data = g_task_get_task_data (task);

  if (data->streaming)
    {
      if (data->buf_len >= MAX_REPLY_SIZE)
        {
          feed_push (data, NULL, g_error_new (XAPI_ERROR, XAPI_ERROR_PROTOCOL,
                                              "The reply to %s is larger than %" G_GSIZE_FORMAT " bytes",
                                              data->method, (gsize) MAX_REPLY_SIZE));
          call_data_release_io (data);
          g_object_unref (task);
          return;
        }
      /* buf is reused: buf_len counts the whole body */
      g_input_stream_read_async (data->stream, data->buf, data->buf_size,
                                 G_PRIORITY_DEFAULT, data->cancellable, read_done, task);
      return;
    }

  if (data->buf_size - data->buf_len < READ_CHUNK / 4)
    {
      gsize want = MAX (data->buf_size * 2, data->buf_len + READ_CHUNK);

      if (data->buf_len >= MAX_REPLY_SIZE)
        {
          return_transport_error (task, g_error_new (XAPI_ERROR, XAPI_ERROR_PROTOCOL,
                                                     "The reply to %s is larger than %" G_GSIZE_FORMAT " bytes",
                                                     data->method, (gsize) MAX_REPLY_SIZE));
          g_object_unref (task);
          return;
        }
      data->buf = g_realloc (data->buf, MIN (want, MAX_REPLY_SIZE) + 1);
      data->buf_size = MIN (want, MAX_REPLY_SIZE);
    }
  g_input_stream_read_async (data->stream, data->buf + data->buf_len,
                             MIN (data->buf_size - data->buf_len, READ_CHUNK),
                             G_PRIORITY_DEFAULT, data->cancellable, read_done, task);
}

static void
send_done (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  GTask *task = user_data;
  XapiRpc *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  GError *error = NULL;
  SoupMessageHeaders *headers;
  const char *content_type;
  goffset length = -1;
  guint status;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);

  if (data->msg != NULL)
    {
      GTlsCertificate *peer = soup_message_get_tls_peer_certificate (data->msg);
      if (peer != NULL)
        g_set_object (&self->peer_certificate, peer);
    }

  if (data->stream == NULL)
    {
      return_transport_error (task, error);
      g_object_unref (task);
      return;
    }

  status = soup_message_get_status (data->msg);
  headers = soup_message_get_response_headers (data->msg);
  content_type = soup_message_headers_get_content_type (headers, NULL);

  if (status != SOUP_STATUS_OK)
    {
      call_data_release_io (data);
      g_task_return_new_error (task, XAPI_ERROR, XAPI_ERROR_HTTP,
                               /* Translators: %s is the name of the XenAPI call, %u an HTTP status code, the last %s its English reason phrase */
                               _("The server answered %s with HTTP %u %s"),
                               data->method, status, soup_status_get_phrase (status) ? soup_status_get_phrase (status) : "");
      g_object_unref (task);
      return;
    }

  if (content_type != NULL && (g_ascii_strcasecmp (content_type, "text/xml") == 0 ||
                               g_ascii_strcasecmp (content_type, "text/html") == 0))
    {
      call_data_release_io (data);
      g_task_return_new_error (task, XAPI_ERROR, XAPI_ERROR_PROTOCOL,
                               /* Translators: %s is the MIME type of the reply, e.g. “text/html” */
                               _("The server does not speak JSON-RPC (it answered %s)"), content_type);
      g_object_unref (task);
      return;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    length = soup_message_headers_get_content_length (headers);
  if (data->parser != NULL && (length < 0 || length > STREAM_DECODE_LIMIT))
    {
      data->streaming = TRUE;
      data->buf_size = READ_CHUNK;
      data->buf = g_malloc (data->buf_size);
      data->buf_len = 0;
      /* the worker holds its own reference; the reads keep this one */
      g_task_run_in_thread (task, decode_stream_in_thread);
      read_more (task);
      return;
    }
  data->buf_size = length >= 0 && length <= PREALLOC_LIMIT ? (gsize) length + READ_CHUNK : READ_CHUNK;
  data->buf = g_malloc (data->buf_size + 1);
  data->buf_len = 0;
  read_more (task);
}

static gboolean
method_is_read_only (const char *method)
{
  const char *dot = strrchr (method, '.');
  const char *name = dot ? dot + 1 : method;

  if (g_str_has_prefix (method, "Async."))
    return FALSE;
  return g_str_has_prefix (name, "get_") || strcmp (name, "from") == 0 ||
         strcmp (name, "next") == 0 || strcmp (method, "system.listMethods") == 0;
}

static void
start_call (XapiRpc              *self,
            const char           *method,
            JsonArray            *params,
            guint                 timeout_ms,
            XapiRpcResultParser   parser,
            gpointer              parser_data,
            GDestroyNotify        result_free,
            GCancellable         *cancellable,
            GAsyncReadyCallback   callback,
            gpointer              user_data,
            gpointer              source_tag)
{
  GTask *task;
  CallData *data;
  GString *request;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) params_node = NULL;

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, method);

  data = g_new0 (CallData, 1);
  g_mutex_init (&data->feed_lock);
  g_cond_init (&data->feed_cond);
  data->method = g_strdup (method);
  data->parser = parser;
  data->parser_data = parser_data;
  data->result_free = result_free;
  data->timeout_ms = timeout_ms;
  data->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, data, call_data_free);

  params_node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (params_node, params ? params : json_array_new ());

  request = g_string_sized_new (256);
  g_string_append (request, "{\"jsonrpc\":\"2.0\",\"method\":");
  xapi_json_append_string (request, method);
  g_string_append (request, ",\"params\":");
  xapi_json_append (request, params_node);
  g_string_append_printf (request, ",\"id\":%" G_GUINT64_FORMAT "}", self->next_id++);
  bytes = g_string_free_to_bytes (request);

  data->msg = soup_message_new (SOUP_METHOD_POST, self->endpoint);
  if (data->msg == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               /* Translators: %s is the server's address (URL) as entered */
                               _("Invalid server address %s"), self->base_uri);
      g_object_unref (task);
      return;
    }
  soup_message_set_request_body_from_bytes (data->msg, "application/json", bytes);
  /* libsoup reuses a kept-alive connection for a POST only when the message
   * is idempotent (it may then be resent if the server closed the idle
   * connection meanwhile): true of reads, never of calls that change state. */
  if (method_is_read_only (method))
    soup_message_add_flags (data->msg, SOUP_MESSAGE_IDEMPOTENT);
  g_signal_connect_object (data->msg, "accept-certificate",
                           G_CALLBACK (accept_certificate_cb), self, 0);

  if (cancellable != NULL)
    {
      data->user_cancellable = g_object_ref (cancellable);
      data->user_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (user_cancelled_cb),
                                                    g_object_ref (data->cancellable),
                                                    g_object_unref);
    }

  if (timeout_ms > 0)
    {
      data->timeout_source = g_timeout_source_new (timeout_ms);
      /* Below the I/O: when the main loop was held up past the timeout (a
       * long stall of the application), the answer that came meanwhile is
       * read first; the timeout fires only while none is ready. */
      g_source_set_priority (data->timeout_source, G_PRIORITY_LOW);
      g_source_set_callback (data->timeout_source, timeout_cb, task, NULL);
      g_source_set_name (data->timeout_source, "[xapi] rpc timeout");
      g_source_attach (data->timeout_source, g_main_context_get_thread_default ());
    }

  soup_session_send_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                           data->cancellable, send_done, task);
}

void
xapi_rpc_call_async (XapiRpc             *self,
                     const char          *method,
                     JsonArray           *params,
                     guint                timeout_ms,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (XAPI_IS_RPC (self));
  g_return_if_fail (method != NULL);

  start_call (self, method, params, timeout_ms, NULL, NULL, NULL,
              cancellable, callback, user_data, xapi_rpc_call_async);
}

JsonNode *
xapi_rpc_call_finish (XapiRpc       *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xapi_rpc_call_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
xapi_rpc_call_parsed_async (XapiRpc             *self,
                            const char          *method,
                            JsonArray           *params,
                            guint                timeout_ms,
                            XapiRpcResultParser  parser,
                            gpointer             parser_data,
                            GDestroyNotify       result_free,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (XAPI_IS_RPC (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (parser != NULL);
  g_return_if_fail (result_free != NULL);

  start_call (self, method, params, timeout_ms, parser, parser_data, result_free,
              cancellable, callback, user_data, xapi_rpc_call_parsed_async);
}

gpointer
xapi_rpc_call_parsed_finish (XapiRpc       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xapi_rpc_call_parsed_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* XML-RPC <value> fragments                                                */

typedef enum {
  FRAME_VALUE,
  FRAME_SCALAR,
  FRAME_ARRAY,
  FRAME_STRUCT,
  FRAME_MEMBER,
  FRAME_NAME,
  FRAME_DATA,
} FrameKind;

typedef struct {
  FrameKind   kind;
  char       *tag;
  GString    *text;
  JsonNode   *node;     /* VALUE: typed child; MEMBER: value */
  char       *name;     /* MEMBER */
  JsonArray  *array;
  JsonObject *object;
} Frame;

typedef struct {
  GPtrArray *stack;
  JsonNode  *root;
} XmlState;

static void
frame_free (gpointer p)
{
  Frame *f = p;

  g_free (f->tag);
  if (f->text)
    g_string_free (f->text, TRUE);
  g_clear_pointer (&f->node, json_node_unref);
  g_free (f->name);
  g_clear_pointer (&f->array, json_array_unref);
  g_clear_pointer (&f->object, json_object_unref);
  g_free (f);
}

static Frame *
top (XmlState *st)
{
  return st->stack->len ? g_ptr_array_index (st->stack, st->stack->len - 1) : NULL;
}

static void
xml_start (GMarkupParseContext  *context,
           const char           *element,
           const char          **attr_names,
           const char          **attr_values,
           gpointer              user_data,
           GError              **error)
{
  XmlState *st = user_data;
  Frame *parent = top (st);
  Frame *f;
  FrameKind kind;

  if (strcmp (element, "value") == 0)
    {
      if (parent != NULL && parent->kind != FRAME_DATA && parent->kind != FRAME_MEMBER)
        goto bad;
      if (parent == NULL && st->root != NULL)
        goto bad;
      kind = FRAME_VALUE;
    }
  else if (strcmp (element, "array") == 0 || strcmp (element, "struct") == 0 ||
           strcmp (element, "string") == 0 || strcmp (element, "int") == 0 ||
           strcmp (element, "i4") == 0 || strcmp (element, "i8") == 0 ||
           strcmp (element, "double") == 0 || strcmp (element, "boolean") == 0 ||
           strcmp (element, "dateTime.iso8601") == 0 || strcmp (element, "base64") == 0 ||
           strcmp (element, "nil") == 0)
    {
      if (parent == NULL || parent->kind != FRAME_VALUE || parent->node != NULL)
        goto bad;
      kind = strcmp (element, "array") == 0 ? FRAME_ARRAY
           : strcmp (element, "struct") == 0 ? FRAME_STRUCT : FRAME_SCALAR;
    }
  else if (strcmp (element, "data") == 0)
    {
      if (parent == NULL || parent->kind != FRAME_ARRAY)
        goto bad;
      kind = FRAME_DATA;
    }
  else if (strcmp (element, "member") == 0)
    {
      if (parent == NULL || parent->kind != FRAME_STRUCT)
        goto bad;
      kind = FRAME_MEMBER;
    }
  else if (strcmp (element, "name") == 0)
    {
      if (parent == NULL || parent->kind != FRAME_MEMBER || parent->name != NULL)
        goto bad;
      kind = FRAME_NAME;
    }
  else
    goto bad;

  f = g_new0 (Frame, 1);
  f->kind = kind;
  f->tag = g_strdup (element);
  if (kind == FRAME_VALUE || kind == FRAME_SCALAR || kind == FRAME_NAME)
    f->text = g_string_new (NULL);
  if (kind == FRAME_ARRAY)
    f->array = json_array_new ();
  if (kind == FRAME_STRUCT)
    f->object = json_object_new ();
  g_ptr_array_add (st->stack, f);
  return;

bad:
  g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
               "unexpected <%s> in an XML-RPC value", element);
}

static void
xml_text (GMarkupParseContext  *context,
          const char           *text,
          gsize                 len,
          gpointer              user_data,
          GError              **error)
{
  XmlState *st = user_data;
  Frame *f = top (st);

  if (f != NULL && f->text != NULL)
    g_string_append_len (f->text, text, len);
}

static JsonNode *
scalar_node (Frame   *f,
             GError **error)
{
  JsonNode *node;
  const char *t = f->text->str;

  if (strcmp (f->tag, "nil") == 0)
    return json_node_new (JSON_NODE_NULL);

  node = json_node_new (JSON_NODE_VALUE);
  if (strcmp (f->tag, "int") == 0 || strcmp (f->tag, "i4") == 0 || strcmp (f->tag, "i8") == 0)
    {
      gint64 v;
      g_autofree char *s = g_strstrip (g_strdup (t));

      if (!g_ascii_string_to_signed (s, 10, G_MININT64, G_MAXINT64, &v, NULL))
        goto bad;
      json_node_set_int (node, v);
    }
  else if (strcmp (f->tag, "double") == 0)
    {
      g_autofree char *s = g_strstrip (g_strdup (t));
      char *end = NULL;
      double v;

      if (g_ascii_strcasecmp (s, "nan") == 0)
        v = NAN;
      else if (g_ascii_strcasecmp (s, "inf") == 0 || g_ascii_strcasecmp (s, "infinity") == 0)
        v = INFINITY;
      else if (g_ascii_strcasecmp (s, "-inf") == 0 || g_ascii_strcasecmp (s, "-infinity") == 0)
        v = -INFINITY;
      else
        {
          v = g_ascii_strtod (s, &end);
          if (end == s || *end != '\0')
            goto bad;
        }
      json_node_set_double (node, v);
    }
  else if (strcmp (f->tag, "boolean") == 0)
    {
      g_autofree char *s = g_strstrip (g_strdup (t));

      if (strcmp (s, "1") == 0 || g_ascii_strcasecmp (s, "true") == 0)
        json_node_set_boolean (node, TRUE);
      else if (strcmp (s, "0") == 0 || g_ascii_strcasecmp (s, "false") == 0)
        json_node_set_boolean (node, FALSE);
      else
        goto bad;
    }
  else
    json_node_set_string (node, t);
  return node;

bad:
  json_node_unref (node);
  g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
               "bad <%s> value \"%s\"", f->tag, t);
  return NULL;
}

static void
xml_end (GMarkupParseContext  *context,
         const char           *element,
         gpointer              user_data,
         GError              **error)
{
  XmlState *st = user_data;
  Frame *f = top (st);
  Frame *parent;
  JsonNode *node = NULL;

  if (f == NULL)
    return;

  g_ptr_array_steal_index (st->stack, st->stack->len - 1);
  parent = top (st);

  switch (f->kind)
    {
    case FRAME_VALUE:
      if (f->node != NULL)
        node = g_steal_pointer (&f->node);
      else
        {
          node = json_node_new (JSON_NODE_VALUE);
          json_node_set_string (node, f->text->str);
        }
      if (parent == NULL)
        st->root = node;
      else if (parent->kind == FRAME_DATA)
        {
          Frame *array = g_ptr_array_index (st->stack, st->stack->len - 2);
          json_array_add_element (array->array, node);
        }
      else if (parent->kind == FRAME_MEMBER)
        {
          if (parent->node != NULL)
            json_node_unref (parent->node);
          parent->node = node;
        }
      else
        json_node_unref (node);
      break;

    case FRAME_SCALAR:
      node = scalar_node (f, error);
      if (node != NULL)
        parent->node = node;
      break;

    case FRAME_ARRAY:
      node = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (node, g_steal_pointer (&f->array));
      parent->node = node;
      break;

    case FRAME_STRUCT:
      node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (node, g_steal_pointer (&f->object));
      parent->node = node;
      break;

    case FRAME_NAME:
      parent->name = g_strdup (f->text->str);
      break;

    case FRAME_MEMBER:
      if (f->name == NULL || f->node == NULL)
        g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                             "struct member without a name or a value");
      else
        json_object_set_member (parent->object, f->name, g_steal_pointer (&f->node));
      break;

    case FRAME_DATA:
    default:
      break;
    }

  frame_free (f);
}

JsonNode *
xapi_xmlrpc_value_parse (const char  *fragment,
                         GError     **error)
{
  static const GMarkupParser parser = { xml_start, xml_end, xml_text, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) local = NULL;
  XmlState st = { g_ptr_array_new_with_free_func (frame_free), NULL };
  const char *p = fragment ? fragment : "";

  /* Skip an XML declaration if present. */
  while (g_ascii_isspace (*p))
    p++;
  if (g_str_has_prefix (p, "<?xml"))
    {
      const char *q = strstr (p, "?>");
      p = q ? q + 2 : p + strlen (p);
    }

  context = g_markup_parse_context_new (&parser, G_MARKUP_TREAT_CDATA_AS_TEXT, &st, NULL);
  if (!g_markup_parse_context_parse (context, p, -1, &local) ||
      !g_markup_parse_context_end_parse (context, &local) ||
      st.root == NULL)
    {
      g_ptr_array_unref (st.stack);
      g_clear_pointer (&st.root, json_node_unref);
      g_set_error (error, XAPI_ERROR, XAPI_ERROR_PROTOCOL, "Malformed task result: %s",
                   local ? local->message : "no <value> element");
      return NULL;
    }

  g_ptr_array_unref (st.stack);
  return st.root;
}
