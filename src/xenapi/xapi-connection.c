/* xapi-connection.c: login, master redirect, event loop, reconnect/fail-over
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One XapiConnection is one pool.  It owns two XapiRpc channels to the
 * current master: one for ordinary calls and the heartbeat, one for the
 * long-polling event.from loop (so a blocked event.from never delays a call).
 *
 *   DISCONNECTED --open--> CONNECTING --login ok--> SYNCING --cache full--> CONNECTED
 *        ^                     |  \__ HOST_IS_SLAVE: follow to the master      |
 *        |                     v                                              v
 *        +----close------- FAILED (auth, trust, unreachable at first)   RECONNECTING (backoff,
 *                                                                        members tried in turn)
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "xapi-connection.h"
#include "xapi-cache.h"
#include "xapi-error.h"
#include "xapi-rpc.h"
#include "xapi-task-ops.h"
#include "xapi-classes.h"

#define HEARTBEAT_INTERVAL_S     5
#define HEARTBEAT_TIMEOUT_MS     5000
#define EVENT_FROM_TIMEOUT_S     30.0
#define EVENT_FROM_SLACK_MS      15000
#define INITIAL_SYNC_TIMEOUT_MS  600000
#define LOGIN_TIMEOUT_MS         30000
#define MAX_REDIRECTS            3
#define SYNC_APPLY_BUDGET_US     4000
#define SMALL_BATCH              256
/* classes of the initial sync fetched by a get_all_records each */
#define SYNC_OWN_FETCHES         3

static const guint backoff_seconds[] = { 1, 2, 4, 8, 15, 30 };

struct _XapiConnection
{
  GObject              parent_instance;

  char                *initial_uri;
  char                *uri;            /* current master, "https://host:port" */
  char                *username;
  char                *password;
  char                *originator;

  XapiTrustFunc        trust_func;
  gpointer             trust_data;
  GDestroyNotify       trust_destroy;
  char                *pinned_fingerprint;
  char                *peer_fingerprint;
  GTlsCertificate     *peer_certificate;

  char               **event_classes;
  guint                call_timeout_ms;

  XapiRpc             *rpc;
  XapiRpc             *event_rpc;
  char                *session;
  char                *token;

  XapiConnectionState  state;
  double               sync_progress;
  GError              *error;
  guint                reconnect_in;
  guint                reconnect_source;
  guint                backoff_step;
  gboolean             logged_in_once;

  char               **members;
  XapiCache           *cache;
  guint                api_major;
  guint                api_minor;

  GCancellable        *loop_cancellable;   /* one "generation" of login+sync+loop */
  guint                loop_generation;    /* bumped by stop_loop */
  guint                heartbeat_source;
  gboolean             heartbeat_in_flight;
  /* The event loop is pipelined: the next event.from is on the wire while
   * the previous batch is applied.  Batches are applied in order. */
  GQueue               batches;            /* XapiEventBatch* received, not applied */
  XapiEventMemo       *event_memo;         /* of this generation (see xapi-cache.h) */
  gboolean             fetch_in_flight;
  gboolean             apply_in_flight;

  GQueue               open_tasks;         /* GTask* waiting for CONNECTED/FAILED */
  GQueue               waiting_calls;      /* GTask* of calls waiting to be (re)sent */
};

enum {
  PROP_0,
  PROP_URI,
  PROP_USERNAME,
  PROP_STATE,
  PROP_SYNC_PROGRESS,
  PROP_ERROR,
  PROP_RECONNECT_IN,
  PROP_SESSION_REF,
  PROP_CACHE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (XapiConnection, xapi_connection, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (XapiConnectionState, xapi_connection_state,
  G_DEFINE_ENUM_VALUE (XAPI_CONNECTION_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (XAPI_CONNECTION_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (XAPI_CONNECTION_STATE_SYNCING, "syncing"),
  G_DEFINE_ENUM_VALUE (XAPI_CONNECTION_STATE_CONNECTED, "connected"),
  G_DEFINE_ENUM_VALUE (XAPI_CONNECTION_STATE_RECONNECTING, "reconnecting"),
  G_DEFINE_ENUM_VALUE (XAPI_CONNECTION_STATE_FAILED, "failed"))

static void start_connect        (XapiConnection *self);
static void connection_lost      (XapiConnection *self,
                                  const GError   *error);
static void event_loop_next      (XapiConnection *self);
static void call_dispatch        (GTask          *task);

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

static char *
normalise_uri (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *with_scheme = NULL;
  const char *scheme;
  int port;

  if (strstr (uri, "://") == NULL)
    uri = with_scheme = g_strconcat ("https://", uri, NULL);

  parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  if (parsed == NULL || g_uri_get_host (parsed) == NULL)
    return g_strdup (uri);

  scheme = g_uri_get_scheme (parsed);
  port = g_uri_get_port (parsed);
  if (port <= 0)
    port = g_ascii_strcasecmp (scheme, "http") == 0 ? 80 : 443;

  {
    const char *host = g_uri_get_host (parsed);
    gboolean v6 = strchr (host, ':') != NULL;

    return g_strdup_printf ("%s://%s%s%s:%d", scheme, v6 ? "[" : "", host, v6 ? "]" : "", port);
  }
}

/* Same scheme and port as @base, another host. */
static char *
uri_with_host (const char *base,
               const char *host)
{
  g_autoptr(GUri) parsed = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
  gboolean v6 = strchr (host, ':') != NULL && host[0] != '[';

  if (parsed == NULL)
    return g_strdup_printf ("https://%s", host);

  return g_strdup_printf ("%s://%s%s%s:%d", g_uri_get_scheme (parsed),
                          v6 ? "[" : "", host, v6 ? "]" : "", g_uri_get_port (parsed));
}

static const char *
object_string_field (XapiObject *object,
                     const char *wire_name)
{
  const XapiFieldInfo *field = xapi_object_find_field (object, wire_name);

  if (field == NULL || (field->kind != XAPI_FIELD_STRING && field->kind != XAPI_FIELD_REF))
    return NULL;
  return G_STRUCT_MEMBER (const char *, object, field->offset);
}

static gint64
object_int_field (XapiObject *object,
                  const char *wire_name)
{
  const XapiFieldInfo *field = xapi_object_find_field (object, wire_name);

  if (field == NULL || field->kind != XAPI_FIELD_INT)
    return 0;
  return G_STRUCT_MEMBER (gint64, object, field->offset);
}

static gboolean
is_transport_error (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == XAPI_ERROR)
    return error->code == XAPI_ERROR_PROTOCOL || error->code == XAPI_ERROR_HTTP;
  if (error->domain == G_TLS_ERROR)
    return FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  return TRUE;   /* GIO, resolver, soup transport errors, JSON syntax */
}

static gboolean
is_fatal_login_error (const GError *error)
{
  if (error->domain == G_TLS_ERROR)
    return TRUE;
  if (error->domain == XAPI_ERROR)
    return error->code == XAPI_ERROR_SESSION_AUTHENTICATION_FAILED ||
           error->code == XAPI_ERROR_RBAC_PERMISSION_DENIED ||
           g_strcmp0 (xapi_error_get_code_string (error), "SESSION_AUTHORIZATION_FAILED") == 0;
  return FALSE;
}

static void
set_state (XapiConnection      *self,
           XapiConnectionState  state)
{
  if (self->state == state)
    return;
  g_debug ("connection %s: state %d -> %d", self->initial_uri, self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_sync_progress (XapiConnection *self,
                   double          progress)
{
  progress = CLAMP (progress, 0.0, 1.0);
  if (self->sync_progress == progress)
    return;
  self->sync_progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_PROGRESS]);
}

static void
set_error (XapiConnection *self,
           const GError   *error)
{
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
set_reconnect_in (XapiConnection *self,
                  guint           seconds)
{
  if (self->reconnect_in == seconds)
    return;
  self->reconnect_in = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_IN]);
}

static void
set_session (XapiConnection *self,
             const char     *session)
{
  if (g_strcmp0 (self->session, session) == 0)
    return;
  g_free (self->session);
  self->session = g_strdup (session);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_REF]);
}

static void
stop_loop (XapiConnection *self)
{
  XapiEventBatch *batch;

  if (self->loop_cancellable != NULL)
    {
      g_cancellable_cancel (self->loop_cancellable);
      g_clear_object (&self->loop_cancellable);
    }
  self->loop_generation++;
  g_clear_pointer (&self->event_memo, _xapi_event_memo_unref);
  while ((batch = g_queue_pop_head (&self->batches)) != NULL)
    xapi_event_batch_free (batch);
  self->fetch_in_flight = FALSE;
  self->apply_in_flight = FALSE;
  g_clear_handle_id (&self->heartbeat_source, g_source_remove);
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  self->heartbeat_in_flight = FALSE;
}

/* ------------------------------------------------------------------------ */
/* Pool hosts' certificates                                                 */

XapiObject *
xapi_connection_find_host (XapiConnection *self,
                           const char     *address)
{
  GListModel *hosts;
  guint n;

  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  hosts = xapi_cache_get_objects (self->cache, XAPI_TYPE_HOST);
  n = g_list_model_get_n_items (hosts);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiHost) host = g_list_model_get_item (hosts, i);
      const char *host_address = xapi_host_get_address (host);

      if (!xapi_object_is_gone (XAPI_OBJECT (host)) && host_address != NULL &&
          g_ascii_strcasecmp (host_address, address) == 0)
        return XAPI_OBJECT (host);   /* the cache keeps it */
    }
  return NULL;
}

/* The certificate a host serves to clients is its Certificate of type
 * "host" ("host_internal" is for pool members among themselves; "ca" and
 * "pinned" are certificates the pool trusts). */
const char *
xapi_connection_get_host_fingerprint (XapiConnection *self,
                                      XapiObject     *host)
{
  g_autoptr(GPtrArray) certificates = NULL;

  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (XAPI_IS_HOST (host), NULL);

  certificates = xapi_cache_follow_set (self->cache, host, "certificates");
  for (guint i = 0; certificates != NULL && i < certificates->len; i++)
    {
      XapiObject *object = g_ptr_array_index (certificates, i);
      XapiCertificate *certificate;
      const char *fingerprint;

      if (!XAPI_IS_CERTIFICATE (object) || xapi_object_is_gone (object))
        continue;
      certificate = XAPI_CERTIFICATE (object);
      if (xapi_certificate_get_type_field (certificate) != XAPI_CERTIFICATE_TYPE_HOST)
        continue;
      /* "fingerprint" is the SHA-256 one on servers before fingerprint_sha256 */
      fingerprint = xapi_certificate_get_fingerprint_sha256 (certificate);
      if (fingerprint == NULL || *fingerprint == '\0')
        fingerprint = xapi_certificate_get_fingerprint (certificate);
      if (fingerprint != NULL && *fingerprint != '\0')
        return fingerprint;
    }
  return NULL;
}

gboolean
xapi_connection_is_host_certificate (XapiConnection *self,
                                     const char     *address,
                                     const char     *fingerprint)
{
  XapiObject *host;
  const char *published;

  g_return_val_if_fail (XAPI_IS_CONNECTION (self), FALSE);
  if (address == NULL || fingerprint == NULL)
    return FALSE;
  /* The server the user added keeps the pin the user accepted: a change
   * there is always the user's decision, whatever the pool said. */
  {
    g_autoptr(GUri) initial = g_uri_parse (self->initial_uri, G_URI_FLAGS_NONE, NULL);

    if (initial != NULL && g_uri_get_host (initial) != NULL &&
        g_ascii_strcasecmp (g_uri_get_host (initial), address) == 0)
      return FALSE;
  }
  host = xapi_connection_find_host (self, address);
  published = host != NULL ? xapi_connection_get_host_fingerprint (self, host) : NULL;
  return published != NULL && g_ascii_strcasecmp (published, fingerprint) == 0;
}

/* ------------------------------------------------------------------------ */
/* TLS trust                                                                */

static gboolean
accept_certificate_cb (XapiRpc              *rpc,
                       GTlsCertificate      *certificate,
                       const char           *fingerprint,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  XapiConnection *self = user_data;
  g_autoptr(GUri) parsed = g_uri_parse (xapi_rpc_get_base_uri (rpc), G_URI_FLAGS_NONE, NULL);

  g_set_object (&self->peer_certificate, certificate);
  g_free (self->peer_fingerprint);
  self->peer_fingerprint = g_strdup (fingerprint);

  if (self->pinned_fingerprint != NULL &&
      g_ascii_strcasecmp (self->pinned_fingerprint, fingerprint) == 0)
    return TRUE;

  /* Another host of the pool (the connection follows the master there):
   * each host has its own certificate, published in the pool's database
   * that came over the channel already trusted. */
  if (parsed != NULL && xapi_connection_is_host_certificate (self, g_uri_get_host (parsed), fingerprint))
    return TRUE;

  if (self->trust_func != NULL &&
      self->trust_func (self, parsed ? g_uri_get_host (parsed) : NULL,
                        certificate, fingerprint, errors, self->trust_data))
    return TRUE;

  g_debug ("connection %s: certificate %s not trusted", self->initial_uri, fingerprint);
  return FALSE;
}

static void
use_uri (XapiConnection *self,
         const char     *uri)
{
  if (self->rpc != NULL && g_strcmp0 (self->uri, uri) == 0)
    return;

  if (g_strcmp0 (self->uri, uri) != 0)
    {
      g_free (self->uri);
      self->uri = g_strdup (uri);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URI]);
    }

  g_clear_object (&self->rpc);
  g_clear_object (&self->event_rpc);
  self->rpc = xapi_rpc_new (uri);
  self->event_rpc = xapi_rpc_new (uri);
  /* The callbacks run only while the RPC objects (owned by us) are alive. */
  xapi_rpc_set_certificate_func (self->rpc, accept_certificate_cb, self, NULL);
  xapi_rpc_set_certificate_func (self->event_rpc, accept_certificate_cb, self, NULL);
}

/* ------------------------------------------------------------------------ */
/* Completion of waiters                                                    */

static void
complete_open_tasks (XapiConnection *self,
                     const GError   *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->open_tasks)) != NULL)
    {
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

typedef struct {
  char      *method;
  JsonArray *params;
  guint      attempts;
  gboolean   as_task;
  guint      wait_timeout;
  char      *sent_session;
} CallData;

static void
call_data_free (CallData *data)
{
  g_free (data->method);
  g_clear_pointer (&data->params, json_array_unref);
  g_clear_handle_id (&data->wait_timeout, g_source_remove);
  g_free (data->sent_session);
  g_free (data);
}

static void
release_waiting_calls (XapiConnection *self,
                       const GError   *error)
{
  GQueue queue = self->waiting_calls;
  GTask *task;

  g_queue_init (&self->waiting_calls);
  while ((task = g_queue_pop_head (&queue)) != NULL)
    {
      CallData *data = g_task_get_task_data (task);

      g_clear_handle_id (&data->wait_timeout, g_source_remove);
      if (error != NULL)
        {
          g_task_return_error (task, g_error_copy (error));
          g_object_unref (task);
        }
      else
        call_dispatch (task);   /* keeps the ref */
    }
}

static void
fail (XapiConnection *self,
      const GError   *error)
{
  g_debug ("connection %s failed: %s", self->initial_uri, error->message);
  stop_loop (self);
  set_error (self, error);
  set_state (self, XAPI_CONNECTION_STATE_FAILED);
  complete_open_tasks (self, error);
  release_waiting_calls (self, error);
}

/* ------------------------------------------------------------------------ */
/* Pool members and version                                                 */

static void
update_pool_facts (XapiConnection *self)
{
  GListModel *hosts = xapi_cache_get_objects_by_name (self->cache, "host");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  XapiObject *master = xapi_cache_get_master (self->cache);
  guint n = g_list_model_get_n_items (hosts);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiObject) host = g_list_model_get_item (hosts, i);
      const char *address = object_string_field (host, "address");

      if (address != NULL && *address != '\0')
        g_strv_builder_add (builder, address);
    }
  if (n > 0)
    {
      g_strfreev (self->members);
      self->members = g_strv_builder_end (builder);
    }

  if (master != NULL)
    {
      self->api_major = (guint) object_int_field (master, "API_version_major");
      self->api_minor = (guint) object_int_field (master, "API_version_minor");
    }
}

/* ------------------------------------------------------------------------ */
/* Heartbeat: notices a dead or hung master within seconds                  */

static void
heartbeat_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(XapiConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = xapi_rpc_call_finish (XAPI_RPC (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (source != G_OBJECT (self->rpc))
    return;   /* stale channel */
  self->heartbeat_in_flight = FALSE;

  if (error == NULL || self->state != XAPI_CONNECTION_STATE_CONNECTED)
    return;

  if (g_error_matches (error, XAPI_ERROR, XAPI_ERROR_SESSION_INVALID) ||
      g_error_matches (error, XAPI_ERROR, XAPI_ERROR_HOST_IS_SLAVE) ||
      is_transport_error (error))
    {
      g_debug ("connection %s: heartbeat failed: %s", self->initial_uri, error->message);
      connection_lost (self, error);
    }
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  XapiConnection *self = user_data;
  JsonArray *params;

  if (self->state != XAPI_CONNECTION_STATE_CONNECTED || self->heartbeat_in_flight)
    return G_SOURCE_CONTINUE;

  params = json_array_new ();
  json_array_add_string_element (params, self->session);
  self->heartbeat_in_flight = TRUE;
  xapi_rpc_call_async (self->rpc, "pool.get_all", params, HEARTBEAT_TIMEOUT_MS,
                       self->loop_cancellable, heartbeat_done, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* Event loop                                                               */

static gpointer
parse_event_batch (XapiJsonReader  *reader,
                   gpointer         user_data,
                   GError         **error)
{
  return _xapi_event_batch_parse_memo (reader, user_data, error);
}

/* event.from's parameters; @classes NULL: those of the subscription. */
static JsonArray *
event_from_params (XapiConnection *self,
                   GPtrArray      *classes,
                   const char     *token,
                   double          timeout)
{
  JsonArray *params = json_array_new ();
  JsonArray *names = json_array_new ();

  json_array_add_string_element (params, self->session);
  if (classes != NULL)
    for (guint i = 0; i < classes->len; i++)
      json_array_add_string_element (names, g_ptr_array_index (classes, i));
  else if (self->event_classes != NULL && self->event_classes[0] != NULL)
    for (guint i = 0; self->event_classes[i] != NULL; i++)
      json_array_add_string_element (names, self->event_classes[i]);
  else
    json_array_add_string_element (names, "*");
  json_array_add_array_element (params, names);
  json_array_add_string_element (params, token);
  json_array_add_double_element (params, timeout);
  return params;
}

static void
handle_loop_error (XapiConnection *self,
                   const GError   *error)
{
  if (g_error_matches (error, XAPI_ERROR, XAPI_ERROR_HOST_IS_SLAVE))
    {
      const char * const *params = xapi_error_get_params (error);

      if (params != NULL && params[0] != NULL && *params[0] != '\0')
        {
          g_autofree char *master = uri_with_host (self->uri, params[0]);

          g_debug ("connection %s: master moved to %s", self->initial_uri, params[0]);
          stop_loop (self);
          use_uri (self, master);
        }
      start_connect (self);
      return;
    }

  if (g_error_matches (error, XAPI_ERROR, XAPI_ERROR_SESSION_INVALID) ||
      g_strcmp0 (xapi_error_get_code_string (error), "EVENTS_LOST") == 0 ||
      g_strcmp0 (xapi_error_get_code_string (error), "EVENT_FROM_TOKEN_PARSE_FAILURE") == 0)
    {
      /* Log in again on the same master and resync. */
      stop_loop (self);
      start_connect (self);
      return;
    }

  connection_lost (self, error);
}

/* Callback data of one event loop step, tied to its generation. */
typedef struct {
  XapiConnection *self;
  guint           generation;
  XapiEventMemo  *memo;         /* an event.from's, while it is decoded */
} LoopStep;

static LoopStep *
loop_step_new (XapiConnection *self)
{
  LoopStep *step = g_new0 (LoopStep, 1);

  step->self = g_object_ref (self);
  step->generation = self->loop_generation;
  return step;
}

static void
loop_step_free (LoopStep *step)
{
  g_object_unref (step->self);
  g_clear_pointer (&step->memo, _xapi_event_memo_unref);
  g_free (step);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoopStep, loop_step_free)

static void pump_batches (XapiConnection *self);

static void
loop_batch_applied (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(LoopStep) step = user_data;
  XapiConnection *self = step->self;
  g_autoptr(GError) error = NULL;

  if (!xapi_cache_apply_batch_finish (XAPI_CACHE (source), result, &error))
    return;   /* cancelled: a new generation took over */
  if (step->generation != self->loop_generation)
    return;

  self->apply_in_flight = FALSE;
  update_pool_facts (self);
  pump_batches (self);
  event_loop_next (self);
}

/* Apply received batches in order: small ones at once, large ones in
 * chunks (one at a time). */
static void
pump_batches (XapiConnection *self)
{
  gboolean applied_small = FALSE;

  while (!self->apply_in_flight && !g_queue_is_empty (&self->batches))
    {
      XapiEventBatch *batch = g_queue_pop_head (&self->batches);

      if (xapi_event_batch_get_n_events (batch) <= SMALL_BATCH)
        {
          xapi_cache_apply_batch (self->cache, batch);
          xapi_event_batch_free (batch);
          applied_small = TRUE;
          continue;
        }
      self->apply_in_flight = TRUE;
      xapi_cache_apply_batch_async (self->cache, batch, FALSE, SYNC_APPLY_BUDGET_US,
                                    self->loop_cancellable, loop_batch_applied,
                                    loop_step_new (self));
    }
  if (applied_small)
    update_pool_facts (self);
}

static void
event_from_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LoopStep) step = user_data;
  XapiConnection *self = step->self;
  g_autoptr(GError) error = NULL;
  XapiEventBatch *batch;

  batch = xapi_rpc_call_parsed_finish (XAPI_RPC (source), result, &error);
  if (step->generation != self->loop_generation || source != G_OBJECT (self->event_rpc))
    {
      g_clear_pointer (&batch, xapi_event_batch_free);
      return;   /* a stopped generation */
    }
  self->fetch_in_flight = FALSE;

  if (batch == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      handle_loop_error (self, error);
      return;
    }

  if (self->state != XAPI_CONNECTION_STATE_CONNECTED)
    {
      /* never applied: the memo no longer matches the cache */
      g_clear_pointer (&self->event_memo, _xapi_event_memo_unref);
      xapi_event_batch_free (batch);
      return;
    }

  g_free (self->token);
  self->token = g_strdup (xapi_event_batch_get_token (batch));

  g_queue_push_tail (&self->batches, batch);
  pump_batches (self);
  event_loop_next (self);
}

static void
event_loop_next (XapiConnection *self)
{
  LoopStep *step;

  if (self->state != XAPI_CONNECTION_STATE_CONNECTED || self->loop_cancellable == NULL)
    return;
  /* One request on the wire at a time, and no more than one batch waiting
   * behind the one being applied: a slow consumer slows the fetching. */
  if (self->fetch_in_flight || g_queue_get_length (&self->batches) > 0)
    return;

  self->fetch_in_flight = TRUE;
  if (self->event_memo == NULL)
    self->event_memo = _xapi_event_memo_new ();
  step = loop_step_new (self);
  step->memo = _xapi_event_memo_ref (self->event_memo);
  xapi_rpc_call_parsed_async (self->event_rpc, "event.from",
                              event_from_params (self, NULL, self->token, EVENT_FROM_TIMEOUT_S),
                              (guint) (EVENT_FROM_TIMEOUT_S * 1000) + EVENT_FROM_SLACK_MS,
                              parse_event_batch, step->memo, (GDestroyNotify) xapi_event_batch_free,
                              self->loop_cancellable, event_from_done, step);
}

/* ------------------------------------------------------------------------ */
/* Reconnect                                                                */

static gboolean
reconnect_tick_cb (gpointer user_data)
{
  XapiConnection *self = user_data;

  if (self->reconnect_in > 1)
    {
      set_reconnect_in (self, self->reconnect_in - 1);
      return G_SOURCE_CONTINUE;
    }

  self->reconnect_source = 0;
  set_reconnect_in (self, 0);
  start_connect (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (XapiConnection *self,
                    const GError   *error)
{
  guint delay = backoff_seconds[MIN (self->backoff_step, G_N_ELEMENTS (backoff_seconds) - 1)];

  stop_loop (self);
  self->backoff_step++;
  if (error != NULL)
    set_error (self, error);
  set_state (self, XAPI_CONNECTION_STATE_RECONNECTING);
  set_reconnect_in (self, delay);
  self->reconnect_source = g_timeout_add_seconds (1, reconnect_tick_cb, self);
}

static void
connection_lost (XapiConnection *self,
                 const GError   *error)
{
  if (self->state == XAPI_CONNECTION_STATE_DISCONNECTED ||
      self->state == XAPI_CONNECTION_STATE_FAILED ||
      self->state == XAPI_CONNECTION_STATE_RECONNECTING)
    return;

  g_debug ("connection %s lost: %s", self->initial_uri, error ? error->message : "");
  schedule_reconnect (self, error);
}

/* ------------------------------------------------------------------------ */
/* Login and initial sync                                                   */

typedef struct {
  GPtrArray *candidates;   /* URIs to try, in order */
  guint      index;
  guint      redirects;
  GError    *first_error;
} LoginAttempt;

static void
login_attempt_free (LoginAttempt *attempt)
{
  g_ptr_array_unref (attempt->candidates);
  g_clear_error (&attempt->first_error);
  g_free (attempt);
}

static void try_login (XapiConnection *self,
                       LoginAttempt   *attempt);

static void
sync_applied (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(XapiConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xapi_cache_apply_batch_finish (XAPI_CACHE (source), result, &error))
    return;   /* cancelled */

  _xapi_cache_set_populated (self->cache, TRUE);
  update_pool_facts (self);
  set_sync_progress (self, 1.0);
  self->backoff_step = 0;
  set_error (self, NULL);
  set_state (self, XAPI_CONNECTION_STATE_CONNECTED);

  complete_open_tasks (self, NULL);
  release_waiting_calls (self, NULL);

  self->heartbeat_source = g_timeout_add_seconds (HEARTBEAT_INTERVAL_S, heartbeat_cb, self);
  event_loop_next (self);
}

static void
apply_progress_cb (XapiCache      *cache,
                   GParamSpec     *pspec,
                   XapiConnection *self)
{
  if (self->state == XAPI_CONNECTION_STATE_SYNCING)
    set_sync_progress (self, 0.5 + 0.5 * xapi_cache_get_apply_progress (cache));
}

/* The initial sync (and the resync after a reconnect), the way Xen
 * Orchestra does it (xapi-protocol.md §3.7): first a token, from an
 * event.from on tasks alone, which xapi answers at once (no batching delay)
 * and whose valid_ref_counts say which classes have objects; then, all at
 * once, the heaviest classes each by <Class>.get_all_records on a connection
 * of its own, and the others (with messages, and the classes the datamodel
 * does not know) by one event.from from "", all decoded and applied while
 * the others still come.  A single event.from "*" from "" makes the server
 * wait 50 ms and then build the whole pool into one reply before its first
 * byte.  Changes made after the token come again in the event loop, which
 * starts from it.  A class whose get_all_records is refused comes by an
 * event.from of its own. */
typedef struct {
  XapiConnection *self;
  guint           generation;   /* of the loop this sync belongs to */
  XapiCacheFeed  *feed;
  char           *token;        /* where the event loop starts */
  guint           pending;      /* fetches not finished */
  guint           n_fetches;
  gboolean        failed;
} Sync;

typedef struct {
  Sync *sync;
  char *class_name;   /* get_all_records of this class; NULL: an event.from */
  char *lower_name;
} SyncFetch;

static gboolean
subscribed (XapiConnection *self,
            const char     *lower_name)
{
  if (self->event_classes == NULL || self->event_classes[0] == NULL)
    return TRUE;
  for (guint i = 0; self->event_classes[i] != NULL; i++)
    if (g_str_equal (self->event_classes[i], "*") ||
        g_ascii_strcasecmp (self->event_classes[i], lower_name) == 0)
      return TRUE;
  return FALSE;
}

static void
sync_free (Sync *sync)
{
  g_object_unref (sync->self);
  g_clear_pointer (&sync->feed, _xapi_cache_feed_unref);
  g_free (sync->token);
  g_free (sync);
}

static gboolean
sync_is_stale (Sync *sync)
{
  return sync->generation != sync->self->loop_generation;
}

/* A fetch of the sync failed (or @error is NULL: it was stale or cancelled):
 * the first real failure decides what happens to the connection; stopping
 * the loop cancels the other fetches. */
static void
sync_fail (Sync         *sync,
           const GError *error)
{
  XapiConnection *self = sync->self;
  gboolean first = !sync->failed;

  sync->failed = TRUE;
  if (!first || error == NULL || sync_is_stale (sync) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, XAPI_ERROR, XAPI_ERROR_SESSION_INVALID) ||
      g_error_matches (error, XAPI_ERROR, XAPI_ERROR_HOST_IS_SLAVE))
    handle_loop_error (self, error);
  else
    /* Logged in, so the server exists: anything else is worth retrying. */
    schedule_reconnect (self, error);
}

/* One fetch fewer in flight; the last one ends the feed. */
static void
sync_fetch_finished (Sync *sync)
{
  XapiConnection *self = sync->self;

  g_assert (sync->pending > 0);
  if (--sync->pending > 0)
    {
      if (!sync->failed && !sync_is_stale (sync))
        set_sync_progress (self, 0.1 + 0.4 * (sync->n_fetches - sync->pending) / sync->n_fetches);
      return;
    }
  if (sync->failed || sync_is_stale (sync))
    {
      _xapi_cache_feed_end (sync->feed, NULL);
      sync_free (sync);
      return;
    }
  g_free (self->token);
  self->token = g_strdup (sync->token);
  set_sync_progress (self, 0.5);
  _xapi_cache_feed_end_at (sync->feed, sync->token);
  sync_free (sync);
}

static gpointer
parse_records_feeding (XapiJsonReader  *reader,
                       gpointer         user_data,
                       GError         **error)
{
  SyncFetch *fetch = user_data;

  return _xapi_event_batch_parse_records_feeding (reader, fetch->class_name, fetch->sync->feed, error);
}

static gpointer
parse_events_feeding (XapiJsonReader  *reader,
                      gpointer         user_data,
                      GError         **error)
{
  SyncFetch *fetch = user_data;

  return _xapi_event_batch_parse_feeding (reader, fetch->sync->feed, error);
}

static void sync_fetch_events (Sync      *sync,
                               GPtrArray *classes);

static void
sync_fetch_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SyncFetch *fetch = user_data;
  Sync *sync = fetch->sync;
  g_autoptr(GError) error = NULL;
  XapiEventBatch *batch;

  batch = xapi_rpc_call_parsed_finish (XAPI_RPC (source), result, &error);
  if (batch != NULL && !sync->failed && !sync_is_stale (sync))
    _xapi_cache_feed_push_batch (sync->feed, g_steal_pointer (&batch));
  g_clear_pointer (&batch, xapi_event_batch_free);

  if (error != NULL && fetch->class_name != NULL && !sync->failed && !sync_is_stale (sync) &&
      (g_error_matches (error, XAPI_ERROR, XAPI_ERROR_MESSAGE_METHOD_UNKNOWN) ||
       g_error_matches (error, XAPI_ERROR, XAPI_ERROR_RBAC_PERMISSION_DENIED) ||
       g_strcmp0 (xapi_error_get_code_string (error), "MESSAGE_REMOVED") == 0))
    {
      /* a class this server (or this user's role) has no get_all_records
       * for: its events then, as an event.from "*" would give them */
      g_autoptr(GPtrArray) classes = g_ptr_array_new ();

      g_ptr_array_add (classes, fetch->lower_name);
      sync_fetch_events (sync, classes);
      g_clear_error (&error);
    }
  else if (error != NULL || sync_is_stale (sync))
    sync_fail (sync, error);

  g_free (fetch->class_name);
  g_free (fetch->lower_name);
  g_free (fetch);
  sync_fetch_finished (sync);
}

static SyncFetch *
sync_fetch_new (Sync *sync)
{
  SyncFetch *fetch = g_new0 (SyncFetch, 1);

  fetch->sync = sync;
  sync->pending++;
  sync->n_fetches++;
  return fetch;
}

static void
sync_fetch_records (Sync                *sync,
                    const XapiClassInfo *info)
{
  XapiConnection *self = sync->self;
  SyncFetch *fetch = sync_fetch_new (sync);
  g_autofree char *method = g_strconcat (info->wire_name, ".get_all_records", NULL);
  JsonArray *params = json_array_new ();

  fetch->class_name = g_strdup (info->wire_name);
  fetch->lower_name = g_strdup (info->lower_name);
  json_array_add_string_element (params, self->session);
  xapi_rpc_call_parsed_async (self->event_rpc, method, params, INITIAL_SYNC_TIMEOUT_MS,
                              parse_records_feeding, fetch, (GDestroyNotify) xapi_event_batch_free,
                              self->loop_cancellable, sync_fetch_done, fetch);
}

/* Every object of @classes (NULL: of the subscription), from "". */
static void
sync_fetch_events (Sync      *sync,
                   GPtrArray *classes)
{
  XapiConnection *self = sync->self;
  SyncFetch *fetch = sync_fetch_new (sync);
  /* of given classes: what there is, without waiting for more */
  JsonArray *params = event_from_params (self, classes, "", classes != NULL ? 0.0 : EVENT_FROM_TIMEOUT_S);

  xapi_rpc_call_parsed_async (self->event_rpc, "event.from", params, INITIAL_SYNC_TIMEOUT_MS,
                              parse_events_feeding, fetch, (GDestroyNotify) xapi_event_batch_free,
                              self->loop_cancellable, sync_fetch_done, fetch);
}

/* Roughly how much of the reply a class is: objects times fields. */
static gint64
table_weight (GHashTable *ref_counts,
              const char *name)
{
  const XapiClassInfo *info = xapi_class_info_lookup (name);

  return (gint64) GPOINTER_TO_INT (g_hash_table_lookup (ref_counts, name)) *
         (info != NULL ? info->n_fields : 16);
}

static int
compare_tables (gconstpointer a,
                gconstpointer b,
                gpointer      ref_counts)
{
  gint64 wa = table_weight (ref_counts, a), wb = table_weight (ref_counts, b);

  return (wb > wa) - (wb < wa);
}

/* The fetches of every class with objects, by @ref_counts: the largest
 * have a get_all_records each, the others share one event.from (as do
 * messages, which are not rows of the database, so not counted).  Without
 * the counts, one event.from of everything. */
static void
sync_fetch_all (Sync       *sync,
                GHashTable *ref_counts)
{
  XapiConnection *self = sync->self;
  g_autoptr(GPtrArray) rest = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GList) tables = NULL;
  guint own = 0;

  if (ref_counts == NULL)
    {
      sync_fetch_events (sync, NULL);
      return;
    }
  tables = g_list_sort_with_data (g_hash_table_get_keys (ref_counts), compare_tables, ref_counts);
  for (GList *l = tables; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const XapiClassInfo *info = xapi_class_info_lookup (name);

      /* tables without events (session, secret...) are never in an
       * event.from "*" (xapi-protocol.md §3.2) */
      if (g_str_equal (name, "task") || g_str_equal (name, "message") ||
          (info != NULL && !info->gen_events) || !subscribed (self, name) ||
          GPOINTER_TO_INT (g_hash_table_lookup (ref_counts, name)) <= 0)
        continue;
      if (info != NULL && own < SYNC_OWN_FETCHES)
        {
          sync_fetch_records (sync, info);
          own++;
        }
      else
        g_ptr_array_add (rest, g_strdup (name));
    }
  if (subscribed (self, "message"))
    g_ptr_array_add (rest, g_strdup ("message"));
  if (rest->len > 0)
    sync_fetch_events (sync, rest);
}

static void
sync_token_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Sync *sync = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XapiEventBatch) batch = NULL;

  batch = xapi_rpc_call_parsed_finish (XAPI_RPC (source), result, &error);
  if (batch == NULL || sync_is_stale (sync))
    sync_fail (sync, error);
  else
    {
      sync->token = g_strdup (xapi_event_batch_get_token (batch));
      sync_fetch_all (sync, xapi_event_batch_get_ref_counts (batch));
      if (subscribed (sync->self, "task"))
        _xapi_cache_feed_push_batch (sync->feed, g_steal_pointer (&batch));
    }
  sync_fetch_finished (sync);
}

static void
start_sync (XapiConnection *self)
{
  Sync *sync = g_new0 (Sync, 1);
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();

  set_state (self, XAPI_CONNECTION_STATE_SYNCING);
  set_sync_progress (self, 0.1);
  /* the memo is of objects as the event loop last saw them */
  g_clear_pointer (&self->event_memo, _xapi_event_memo_unref);

  /* A resync after a reconnect keeps the objects that still exist. */
  sync->self = g_object_ref (self);
  sync->generation = self->loop_generation;
  sync->feed = _xapi_cache_feed_new (self->cache, xapi_cache_get_n_objects (self->cache) > 0,
                                     SYNC_APPLY_BUDGET_US, self->loop_cancellable,
                                     sync_applied, g_object_ref (self));
  sync->pending = sync->n_fetches = 1;

  /* tasks alone: answered at once, with a token and the counts */
  g_ptr_array_add (tasks, (gpointer) "task");
  xapi_rpc_call_parsed_async (self->event_rpc, "event.from", event_from_params (self, tasks, "", 0.0),
                              INITIAL_SYNC_TIMEOUT_MS,
                              parse_event_batch, NULL, (GDestroyNotify) xapi_event_batch_free,
                              self->loop_cancellable, sync_token_done, sync);
}

typedef struct {
  XapiConnection *self;
  LoginAttempt   *attempt;
} LoginCall;

static void
login_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  LoginCall *call = user_data;
  g_autoptr(XapiConnection) self = call->self;
  LoginAttempt *attempt = call->attempt;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_free (call);

  node = xapi_rpc_call_finish (XAPI_RPC (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      source != G_OBJECT (self->rpc))
    {
      login_attempt_free (attempt);
      return;
    }

  if (error == NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error (&error, XAPI_ERROR, XAPI_ERROR_PROTOCOL,
                       _("The server answered the login with something other than a session."));
        }
      else
        {
          set_session (self, json_node_get_string (node));
          self->logged_in_once = TRUE;
          login_attempt_free (attempt);
          start_sync (self);
          return;
        }
    }

  if (g_error_matches (error, XAPI_ERROR, XAPI_ERROR_HOST_IS_SLAVE) &&
      attempt->redirects < MAX_REDIRECTS)
    {
      const char * const *params = xapi_error_get_params (error);

      if (params != NULL && params[0] != NULL && *params[0] != '\0')
        {
          g_autofree char *master = uri_with_host (self->uri, params[0]);

          g_debug ("connection %s: %s is a pool member; master is %s",
                   self->initial_uri, self->uri, params[0]);
          attempt->redirects++;
          use_uri (self, master);
          try_login (self, attempt);
          return;
        }
    }

  if (is_fatal_login_error (error))
    {
      login_attempt_free (attempt);
      fail (self, error);
      return;
    }

  if (attempt->first_error == NULL)
    attempt->first_error = g_error_copy (error);

  /* Next candidate (pool members), if any. */
  attempt->index++;
  if (attempt->index < attempt->candidates->len)
    {
      use_uri (self, g_ptr_array_index (attempt->candidates, attempt->index));
      try_login (self, attempt);
      return;
    }

  {
    g_autoptr(GError) first = g_steal_pointer (&attempt->first_error);

    login_attempt_free (attempt);
    if (self->logged_in_once)
      schedule_reconnect (self, first);
    else
      fail (self, first);
  }
}

static void
try_login (XapiConnection *self,
           LoginAttempt   *attempt)
{
  JsonArray *params = json_array_new ();
  LoginCall *call = g_new0 (LoginCall, 1);

  json_array_add_string_element (params, self->username ? self->username : "");
  json_array_add_string_element (params, self->password ? self->password : "");
  json_array_add_string_element (params, "2.21");
  json_array_add_string_element (params, self->originator ? self->originator : "xenpools");

  call->self = g_object_ref (self);
  call->attempt = attempt;
  xapi_rpc_call_async (self->rpc, "session.login_with_password", params, LOGIN_TIMEOUT_MS,
                       self->loop_cancellable, login_done, call);
}

static void
start_connect (XapiConnection *self)
{
  LoginAttempt *attempt;

  stop_loop (self);
  self->loop_cancellable = g_cancellable_new ();
  set_session (self, NULL);
  set_reconnect_in (self, 0);
  set_state (self, XAPI_CONNECTION_STATE_CONNECTING);

  attempt = g_new0 (LoginAttempt, 1);
  attempt->candidates = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (attempt->candidates, g_strdup (self->uri));
  if (!g_str_equal (self->uri, self->initial_uri))
    g_ptr_array_add (attempt->candidates, g_strdup (self->initial_uri));
  for (guint i = 0; self->members != NULL && self->members[i] != NULL; i++)
    {
      g_autofree char *member = uri_with_host (self->initial_uri, self->members[i]);
      gboolean dup = FALSE;

      for (guint j = 0; j < attempt->candidates->len && !dup; j++)
        dup = g_str_equal (g_ptr_array_index (attempt->candidates, j), member);
      if (!dup)
        g_ptr_array_add (attempt->candidates, g_steal_pointer (&member));
    }

  use_uri (self, self->uri);
  try_login (self, attempt);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
xapi_connection_dispose (GObject *object)
{
  XapiConnection *self = XAPI_CONNECTION (object);
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("The connection was closed"));

  stop_loop (self);
  complete_open_tasks (self, error);
  release_waiting_calls (self, error);
  if (self->cache != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->cache, self);
      xapi_cache_clear (self->cache);
      g_clear_object (&self->cache);
    }
  g_clear_object (&self->rpc);
  g_clear_object (&self->event_rpc);
  if (self->trust_destroy != NULL)
    g_clear_pointer (&self->trust_data, self->trust_destroy);
  self->trust_func = NULL;

  G_OBJECT_CLASS (xapi_connection_parent_class)->dispose (object);
}

static void
xapi_connection_finalize (GObject *object)
{
  XapiConnection *self = XAPI_CONNECTION (object);

  if (self->password != NULL)
    {
      memset (self->password, 0, strlen (self->password));
      g_free (self->password);
    }
  g_free (self->initial_uri);
  g_free (self->uri);
  g_free (self->username);
  g_free (self->originator);
  g_free (self->pinned_fingerprint);
  g_free (self->peer_fingerprint);
  g_clear_object (&self->peer_certificate);
  g_strfreev (self->event_classes);
  g_free (self->session);
  g_free (self->token);
  g_clear_error (&self->error);
  g_strfreev (self->members);

  G_OBJECT_CLASS (xapi_connection_parent_class)->finalize (object);
}

static void
xapi_connection_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  XapiConnection *self = XAPI_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SYNC_PROGRESS:
      g_value_set_double (value, self->sync_progress);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_RECONNECT_IN:
      g_value_set_uint (value, self->reconnect_in);
      break;
    case PROP_SESSION_REF:
      g_value_set_string (value, self->session);
      break;
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xapi_connection_class_init (XapiConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xapi_connection_dispose;
  object_class->finalize = xapi_connection_finalize;
  object_class->get_property = xapi_connection_get_property;

  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, XAPI_TYPE_CONNECTION_STATE,
                       XAPI_CONNECTION_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SYNC_PROGRESS] =
    g_param_spec_double ("sync-progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RECONNECT_IN] =
    g_param_spec_uint ("reconnect-in", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SESSION_REF] =
    g_param_spec_string ("session-ref", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CACHE] =
    g_param_spec_object ("cache", NULL, NULL, XAPI_TYPE_CACHE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
xapi_connection_init (XapiConnection *self)
{
  self->call_timeout_ms = 60000;
  self->cache = xapi_cache_new (self);
  g_signal_connect (self->cache, "notify::apply-progress", G_CALLBACK (apply_progress_cb), self);
  g_queue_init (&self->open_tasks);
  g_queue_init (&self->waiting_calls);
  g_queue_init (&self->batches);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */

XapiConnection *
xapi_connection_new (const char *uri,
                     const char *username)
{
  XapiConnection *self;

  g_return_val_if_fail (uri != NULL, NULL);

  self = g_object_new (XAPI_TYPE_CONNECTION, NULL);
  self->initial_uri = normalise_uri (uri);
  self->uri = g_strdup (self->initial_uri);
  self->username = g_strdup (username);
  return self;
}

void
xapi_connection_set_password (XapiConnection *self,
                              const char     *password)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));

  if (self->password != NULL)
    {
      memset (self->password, 0, strlen (self->password));
      g_free (self->password);
    }
  self->password = g_strdup (password);
}

void
xapi_connection_set_originator (XapiConnection *self,
                                const char     *originator)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));
  g_free (self->originator);
  self->originator = g_strdup (originator);
}

void
xapi_connection_set_trust_func (XapiConnection *self,
                                XapiTrustFunc   func,
                                gpointer        user_data,
                                GDestroyNotify  destroy)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));

  if (self->trust_destroy != NULL)
    g_clear_pointer (&self->trust_data, self->trust_destroy);
  self->trust_func = func;
  self->trust_data = user_data;
  self->trust_destroy = destroy;
}

void
xapi_connection_set_pinned_fingerprint (XapiConnection *self,
                                        const char     *sha256_fingerprint)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));
  g_free (self->pinned_fingerprint);
  self->pinned_fingerprint = g_strdup (sha256_fingerprint);
}

const char *
xapi_connection_get_pinned_fingerprint (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return self->pinned_fingerprint;
}

const char *
xapi_connection_get_peer_fingerprint (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return self->peer_fingerprint;
}

GTlsCertificate *
xapi_connection_get_peer_certificate (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return self->peer_certificate;
}

void
xapi_connection_set_event_classes (XapiConnection     *self,
                                   const char * const *classes)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));
  g_strfreev (self->event_classes);
  self->event_classes = g_strdupv ((char **) classes);
}

void
xapi_connection_set_call_timeout (XapiConnection *self,
                                  guint           timeout_ms)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));
  self->call_timeout_ms = timeout_ms > 0 ? timeout_ms : 60000;
}

const char *
xapi_connection_get_uri (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return self->uri;
}

const char *
xapi_connection_get_initial_uri (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return self->initial_uri;
}

const char *
xapi_connection_get_username (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return self->username;
}

const char *
xapi_connection_get_session_ref (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return self->session;
}

XapiConnectionState
xapi_connection_get_state (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), XAPI_CONNECTION_STATE_DISCONNECTED);
  return self->state;
}

double
xapi_connection_get_sync_progress (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), 0.0);
  return self->sync_progress;
}

const GError *
xapi_connection_get_error (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return self->error;
}

guint
xapi_connection_get_reconnect_in (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), 0);
  return self->reconnect_in;
}

const char * const *
xapi_connection_get_pool_members (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return (const char * const *) self->members;
}

void
xapi_connection_set_pool_members (XapiConnection     *self,
                                  const char * const *addresses)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));
  g_strfreev (self->members);
  self->members = g_strdupv ((char **) addresses);
}

XapiCache *
xapi_connection_get_cache (XapiConnection *self)
{
  g_return_val_if_fail (XAPI_IS_CONNECTION (self), NULL);
  return self->cache;
}

void
xapi_connection_get_api_version (XapiConnection *self,
                                 guint          *major,
                                 guint          *minor)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));
  if (major)
    *major = self->api_major;
  if (minor)
    *minor = self->api_minor;
}

void
xapi_connection_open_async (XapiConnection      *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XAPI_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xapi_connection_open_async);

  if (self->state == XAPI_CONNECTION_STATE_CONNECTED)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  g_queue_push_tail (&self->open_tasks, task);

  if (self->state == XAPI_CONNECTION_STATE_DISCONNECTED ||
      self->state == XAPI_CONNECTION_STATE_FAILED)
    {
      self->backoff_step = 0;
      set_error (self, NULL);
      start_connect (self);
    }
}

gboolean
xapi_connection_open_finish (XapiConnection  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xapi_connection_open_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
logout_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  JsonNode *node = xapi_rpc_call_finish (XAPI_RPC (source), result, NULL);

  /* Best effort: the session is gone for us either way. */
  g_clear_pointer (&node, json_node_unref);
  g_task_return_boolean (task, TRUE);
}

void
xapi_connection_close_async (XapiConnection      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  GTask *task;
  g_autofree char *session = NULL;

  g_return_if_fail (XAPI_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xapi_connection_close_async);

  session = g_strdup (self->session);
  stop_loop (self);
  set_session (self, NULL);
  set_reconnect_in (self, 0);
  set_state (self, XAPI_CONNECTION_STATE_DISCONNECTED);

  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("The connection was closed"));
  complete_open_tasks (self, error);
  release_waiting_calls (self, error);

  if (session != NULL && self->rpc != NULL)
    {
      JsonArray *params = json_array_new ();

      json_array_add_string_element (params, session);
      xapi_rpc_call_async (self->rpc, "session.logout", params, 3000, cancellable,
                           logout_done, task);
    }
  else
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

gboolean
xapi_connection_close_finish (XapiConnection  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xapi_connection_close_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
xapi_connection_reconnect_now (XapiConnection *self)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));

  if (self->state == XAPI_CONNECTION_STATE_CONNECTING ||
      self->state == XAPI_CONNECTION_STATE_SYNCING)
    return;
  self->backoff_step = 0;
  start_connect (self);
}

/* ---- calls -------------------------------------------------------------- */

static gboolean
wait_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  XapiConnection *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);

  data->wait_timeout = 0;
  g_queue_remove (&self->waiting_calls, task);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           /* Translators: %s is the server's address (URL) */
                           _("Timed out waiting for the connection to %s"), self->initial_uri);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
wait_for_connection (XapiConnection *self,
                     GTask          *task)
{
  CallData *data = g_task_get_task_data (task);

  g_queue_push_tail (&self->waiting_calls, task);
  data->wait_timeout = g_timeout_add (self->call_timeout_ms, wait_timeout_cb, task);
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  XapiConnection *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = xapi_rpc_call_finish (XAPI_RPC (source), result, &error);

  if (error != NULL && data->attempts < 2 &&
      !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      if (g_error_matches (error, XAPI_ERROR, XAPI_ERROR_SESSION_INVALID))
        {
          data->attempts++;
          /* Only start a new login if nobody did since this call was sent. */
          if (g_strcmp0 (data->sent_session, self->session) == 0 &&
              (self->state == XAPI_CONNECTION_STATE_CONNECTED ||
               self->state == XAPI_CONNECTION_STATE_SYNCING))
            start_connect (self);
          if (self->state == XAPI_CONNECTION_STATE_CONNECTED)
            call_dispatch (task);
          else
            wait_for_connection (self, task);
          return;
        }
      if (g_error_matches (error, XAPI_ERROR, XAPI_ERROR_HOST_IS_SLAVE))
        {
          data->attempts++;
          if (self->state == XAPI_CONNECTION_STATE_CONNECTED ||
              self->state == XAPI_CONNECTION_STATE_SYNCING)
            handle_loop_error (self, error);
          wait_for_connection (self, task);
          return;
        }
    }

  /* Transport failures of a single call do not end the connection: the
   * heartbeat and the event loop decide that (a long sync call may time out
   * while the pool is fine). */
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  if (data->as_task)
    {
      XapiObject *object;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_task_return_new_error (task, XAPI_ERROR, XAPI_ERROR_PROTOCOL,
                                   "%s did not return a task reference", data->method);
          g_object_unref (task);
          return;
        }

      object = xapi_cache_lookup (self->cache, json_node_get_string (node));
      if (object == NULL)
        {
          object = g_object_new (XAPI_TYPE_TASK,
                                 "ref", json_node_get_string (node),
                                 "connection", self,
                                 NULL);
          _xapi_cache_insert (self->cache, object);
          g_object_unref (object);
        }
      g_task_return_pointer (task, g_object_ref (object), g_object_unref);
      g_object_unref (task);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&node), (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

static void
call_dispatch (GTask *task)
{
  XapiConnection *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  JsonArray *params;
  g_autofree char *method = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  switch (self->state)
    {
    case XAPI_CONNECTION_STATE_CONNECTED:
    case XAPI_CONNECTION_STATE_SYNCING:
      if (self->session != NULL)
        break;
      G_GNUC_FALLTHROUGH;
    case XAPI_CONNECTION_STATE_CONNECTING:
    case XAPI_CONNECTION_STATE_RECONNECTING:
      wait_for_connection (self, task);
      return;
    case XAPI_CONNECTION_STATE_DISCONNECTED:
    case XAPI_CONNECTION_STATE_FAILED:
    default:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               /* Translators: %s is the server's address (URL) */
                               _("Not connected to %s"), self->initial_uri);
      g_object_unref (task);
      return;
    }

  params = json_array_new ();
  json_array_add_string_element (params, self->session);
  for (guint i = 0; i < json_array_get_length (data->params); i++)
    json_array_add_element (params, json_node_copy (json_array_get_element (data->params, i)));

  g_free (data->sent_session);
  data->sent_session = g_strdup (self->session);

  method = data->as_task ? g_strconcat ("Async.", data->method, NULL) : g_strdup (data->method);
  xapi_rpc_call_async (self->rpc, method, params, self->call_timeout_ms,
                       g_task_get_cancellable (task), call_done, task);
}

static void
call_common (XapiConnection      *self,
             const char          *method,
             JsonArray           *params,
             gboolean             as_task,
             gpointer             source_tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task;
  CallData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  data = g_new0 (CallData, 1);
  data->method = g_strdup (method);
  data->params = params != NULL ? params : json_array_new ();
  data->as_task = as_task;
  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);

  call_dispatch (task);
}

void
xapi_connection_call_async (XapiConnection      *self,
                            const char          *method,
                            JsonArray           *params,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));
  g_return_if_fail (method != NULL);

  call_common (self, method, params, FALSE, xapi_connection_call_async,
               cancellable, callback, user_data);
}

JsonNode *
xapi_connection_call_finish (XapiConnection  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xapi_connection_call_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
xapi_connection_call_as_task_async (XapiConnection      *self,
                                    const char          *method,
                                    JsonArray           *params,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (XAPI_IS_CONNECTION (self));
  g_return_if_fail (method != NULL);

  call_common (self, method, params, TRUE, xapi_connection_call_as_task_async,
               cancellable, callback, user_data);
}

XapiTask *
xapi_connection_call_as_task_finish (XapiConnection  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xapi_connection_call_as_task_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
