/* sim-fixture.h: spawn xapi-sim for library tests, talk to it directly
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "xapi-connection.h"

G_BEGIN_DECLS

typedef struct {
  GSubprocess *process;
  char        *url;          /* master URL from READY */
  char        *control_url;  /* CONTROL */
  GPtrArray   *member_names; /* MEMBER lines */
  GPtrArray   *member_urls;
  char        *fingerprint;  /* SHA-256 of the master's certificate, "AB:CD:..." (TLS only) */
  struct _SoupSession *session;  /* control and raw calls: kept alive, one TLS handshake */
} XapiSim;

/* Path of the simulator binary or NULL (tests then skip). */
const char *xapi_sim_path              (void);
/* Start the simulator with extra arguments (NULL-terminated); --port 0 is
 * added.  Fails the test when it cannot start. */
XapiSim    *xapi_sim_start             (const char *first_arg,
                                        ...) G_GNUC_NULL_TERMINATED;
void        xapi_sim_stop              (XapiSim    *sim);
/* POST (body non-NULL) or GET to the control endpoint; returns the reply JSON. */
JsonNode   *xapi_sim_control           (XapiSim    *sim,
                                        const char *path,
                                        const char *json_body);
gint64      xapi_sim_stat              (XapiSim    *sim,
                                        const char *member);
/* A raw JSON-RPC 2.0 call to @url (the master when NULL), independent of
 * libxapi: returns the whole response object. */
JsonNode   *xapi_sim_raw_call          (XapiSim    *sim,
                                        const char *url,
                                        const char *method,
                                        const char *params_json);
/* SHA-256 fingerprint ("AB:CD:...") of the certificate the host at @url
 * (https) serves, read in a TLS handshake that accepts anything. */
char       *xapi_sim_fetch_fingerprint (XapiSim    *sim,
                                        const char *url);
/* Log in as root over raw JSON-RPC and return the session ref. */
char       *xapi_sim_raw_login         (XapiSim    *sim);
/* @method called over raw JSON-RPC in a new root session, with the
 * parameters @args_json (JSON text after the session, or NULL): its result,
 * or NULL when the server answered with an error. */
JsonNode   *xapi_sim_raw_result        (XapiSim    *sim,
                                        const char *method,
                                        const char *args_json);
/* <klass>.get_record of @ref (must exist). */
JsonObject *xapi_sim_raw_record        (XapiSim    *sim,
                                        const char *klass,
                                        const char *ref);
/* The length of the array @method returns (a get_all, say). */
guint       xapi_sim_raw_count         (XapiSim    *sim,
                                        const char *method);

/* Iterate the default main context until @cond returns TRUE or @timeout_ms
 * passes; returns the last value of @cond. */
gboolean    xapi_test_wait_for         (gboolean  (*cond) (gpointer data),
                                        gpointer    data,
                                        guint       timeout_ms);
/* Same for a GAsyncResult slot filled by xapi_test_store_result. */
void        xapi_test_store_result     (GObject      *source,
                                        GAsyncResult *result,
                                        gpointer      user_data);  /* GAsyncResult ** */
GAsyncResult *xapi_test_wait_result    (GAsyncResult **slot,
                                        guint          timeout_ms);

/* g_test_skip() with a message and TRUE when the simulator is not built. */
gboolean      xapi_test_skip_without_sim (void);
/* Open @conn and wait (30 s at most) for CONNECTED or FAILED. */
gboolean      xapi_test_open_sync        (XapiConnection *conn,
                                          GError        **error);
/* A connection to @sim's master as root (any password will do), pinned to
 * @pin (NULL: no pin); not opened. */
XapiConnection *xapi_test_root_connection (XapiSim    *sim,
                                           const char *pin);
/* A connection to @url (the master when NULL) as root with @password ("any"
 * when NULL) and the simulator's certificate pinned; asserts CONNECTED. */
XapiConnection *xapi_test_connect_pinned (XapiSim    *sim,
                                          const char *url,
                                          const char *password);

/* Every object the server has (an event.from "*" from "", over raw
 * JSON-RPC) is in @cache, of its class, and @cache has no other (tasks
 * left out: they come and go with the calls). */
void          xapi_test_assert_cache_is_server (XapiSim   *sim,
                                                XapiCache *cache);

/* A connection that a test closes (bounded wait) before dropping it, so
 * its event loop never outlives the test and its simulator. */
typedef XapiConnection XapiTestConnection;
void          xapi_test_connection_close (XapiTestConnection *conn);

/* A streaming reader's source giving @data @chunk bytes at a time. */
typedef struct {
  const char *data;
  gsize       len;
  gsize       pos;
  gsize       chunk;
} XapiTestFeed;

GBytes       *xapi_test_feed_next        (gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XapiSim, xapi_sim_stop)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XapiTestConnection, xapi_test_connection_close)

G_END_DECLS
