/* xapi-connection.h: one connection to a pool (login, event loop, cache)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "xapi-object.h"

G_BEGIN_DECLS

typedef struct _XapiCache XapiCache;
typedef struct _XapiTask  XapiTask;   /* generated class for the XenAPI "task" class */

typedef enum {
  XAPI_CONNECTION_STATE_DISCONNECTED,  /* not connected, not trying */
  XAPI_CONNECTION_STATE_CONNECTING,    /* TCP/TLS/login in progress */
  XAPI_CONNECTION_STATE_SYNCING,       /* logged in, every object being loaded ("sync-progress") */
  XAPI_CONNECTION_STATE_CONNECTED,     /* cache complete, event loop running */
  XAPI_CONNECTION_STATE_RECONNECTING,  /* lost; waiting "reconnect-in" seconds before the next try */
  XAPI_CONNECTION_STATE_FAILED,        /* gave up (authentication, trust refused, ...); see "error" */
} XapiConnectionState;

GType xapi_connection_state_get_type (void) G_GNUC_CONST;
#define XAPI_TYPE_CONNECTION_STATE (xapi_connection_state_get_type ())

/* Trust policy for TLS certificates the system does not trust.  Called on the
 * main context with the peer certificate, its SHA-256 fingerprint
 * ("AB:CD:..." upper-case hex) and the GTlsCertificateFlags.  Return TRUE to
 * accept.  Without a policy, only certificates matching the pinned
 * fingerprint (xapi_connection_set_pinned_fingerprint) are accepted. */
typedef gboolean (*XapiTrustFunc) (XapiConnection       *connection,
                                   const char           *host,
                                   GTlsCertificate      *certificate,
                                   const char           *sha256_fingerprint,
                                   GTlsCertificateFlags  errors,
                                   gpointer              user_data);

#define XAPI_TYPE_CONNECTION (xapi_connection_get_type ())
G_DECLARE_FINAL_TYPE (XapiConnection, xapi_connection, XAPI, CONNECTION, GObject)

/* @uri: "https://host[:port]" or "http://host[:port]" (a bare host means https). */
XapiConnection     *xapi_connection_new                 (const char          *uri,
                                                         const char          *username);
void                xapi_connection_set_password        (XapiConnection      *self,
                                                         const char          *password);
void                xapi_connection_set_originator      (XapiConnection      *self,
                                                         const char          *originator);
void                xapi_connection_set_trust_func      (XapiConnection      *self,
                                                         XapiTrustFunc        func,
                                                         gpointer             user_data,
                                                         GDestroyNotify       destroy);
void                xapi_connection_set_pinned_fingerprint (XapiConnection   *self,
                                                         const char          *sha256_fingerprint);
const char         *xapi_connection_get_pinned_fingerprint (XapiConnection   *self);
/* Fingerprint of the certificate the server presented last (accepted or not),
 * e.g. to show it in a trust dialog after a G_TLS_ERROR_BAD_CERTIFICATE failure. */
const char         *xapi_connection_get_peer_fingerprint (XapiConnection     *self);
GTlsCertificate    *xapi_connection_get_peer_certificate (XapiConnection     *self);
/* The pool host (an XapiHost) whose address is @address, from the cache, or NULL. */
XapiObject         *xapi_connection_find_host           (XapiConnection      *self,
                                                         const char          *address);
/* The SHA-256 fingerprint of the certificate @host serves, as the pool
 * publishes it (host.certificates), or NULL (servers before 8.2). */
const char         *xapi_connection_get_host_fingerprint (XapiConnection     *self,
                                                         XapiObject         *host);
/* TRUE when @fingerprint is the one the pool publishes for the host at
 * @address, and that host is not the server the connection was made to
 * (whose certificate stays pinned): a channel to another pool host may trust
 * it (redirects, the master moving, consoles). */
gboolean            xapi_connection_is_host_certificate (XapiConnection     *self,
                                                         const char          *address,
                                                         const char          *fingerprint);
/* Classes subscribed by the event loop (NULL/empty = "*"). */
void                xapi_connection_set_event_classes   (XapiConnection      *self,
                                                         const char * const  *classes);
/* Per-call timeout for ordinary calls in ms (default 60000). */
void                xapi_connection_set_call_timeout    (XapiConnection      *self,
                                                         guint                timeout_ms);

const char         *xapi_connection_get_uri             (XapiConnection      *self);  /* current master URI */
const char         *xapi_connection_get_initial_uri     (XapiConnection      *self);
const char         *xapi_connection_get_username        (XapiConnection      *self);
const char         *xapi_connection_get_session_ref     (XapiConnection      *self);
XapiConnectionState xapi_connection_get_state           (XapiConnection      *self);
double              xapi_connection_get_sync_progress   (XapiConnection      *self);  /* 0..1 */
const GError       *xapi_connection_get_error           (XapiConnection      *self);  /* last failure */
guint               xapi_connection_get_reconnect_in    (XapiConnection      *self);  /* seconds */
/* Addresses of the pool's hosts as last seen (for fail-over); transfer none. */
const char * const *xapi_connection_get_pool_members    (XapiConnection      *self);
void                xapi_connection_set_pool_members    (XapiConnection      *self,
                                                         const char * const  *addresses);
XapiCache          *xapi_connection_get_cache           (XapiConnection      *self);
/* API version of the master, once connected (0.0 before). */
void                xapi_connection_get_api_version     (XapiConnection      *self,
                                                         guint               *major,
                                                         guint               *minor);

/* Log in, then load everything (a token first, then the largest classes by
 * get_all_records and the others by event.from, at once) and keep the cache
 * live from that token.  Completes when the state reaches CONNECTED (TRUE) or FAILED (FALSE +
 * error).  Transient failures after that reconnect by themselves. */
void                xapi_connection_open_async          (XapiConnection      *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean            xapi_connection_open_finish         (XapiConnection      *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
/* Stop the event loop, log out (best effort), state DISCONNECTED. */
void                xapi_connection_close_async         (XapiConnection      *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean            xapi_connection_close_finish        (XapiConnection      *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);
/* Try again now (from FAILED or RECONNECTING). */
void                xapi_connection_reconnect_now       (XapiConnection      *self);

/* Generic calls.  @params is the positional parameter array WITHOUT the
 * session (it is prepended when the connection has one); ownership of
 * @params is taken.  On SESSION_INVALID the connection logs in again and
 * retries once; HOST_IS_SLAVE makes it move to the master.  The result is the
 * decoded "result" value (transfer full). */
void                xapi_connection_call_async          (XapiConnection      *self,
                                                         const char          *method,
                                                         JsonArray           *params,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
JsonNode           *xapi_connection_call_finish         (XapiConnection      *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* Calls "Async.<method>" and returns the XapiTask object (from the cache,
 * created on the spot if its add event has not arrived yet), transfer full.
 * The task is tracked: see xapi-task-ops.h to wait for its result. */
void                xapi_connection_call_as_task_async  (XapiConnection      *self,
                                                         const char          *method,
                                                         JsonArray           *params,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
XapiTask           *xapi_connection_call_as_task_finish (XapiConnection      *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
