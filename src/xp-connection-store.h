/* xp-connection-store.h: saved connections and their live XapiConnection objects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <xapi-connection.h>

G_BEGIN_DECLS

typedef enum {
  XP_CONNECTION_REMEMBER_PASSWORD = 1 << 0,
  XP_CONNECTION_AUTO_CONNECT      = 1 << 1,
  XP_CONNECTION_TRANSIENT         = 1 << 2,  /* never saved (demo pools) */
} XpConnectionFlags;

#define XP_TYPE_CONNECTION_STORE (xp_connection_store_get_type ())
G_DECLARE_FINAL_TYPE (XpConnectionStore, xp_connection_store, XP, CONNECTION_STORE, GObject)

/* Signals:
 *   "certificate-problem" (XapiConnection *conn, const char *fingerprint, gboolean changed)
 *       an interactive or saved connection met a certificate it does not trust;
 *       call xp_connection_store_trust() to pin it and connect again.
 *   "connect-failed" (XapiConnection *conn, GError *error)  any other failure of open.
 */

/* @config_dir: where connections.ini lives (NULL: the user config dir + "/xenpools"). */
XpConnectionStore *xp_connection_store_new          (const char         *config_dir);
const char        *xp_connection_store_get_path     (XpConnectionStore  *self);
GListModel        *xp_connection_store_get_connections (XpConnectionStore *self);  /* of XapiConnection */

gboolean           xp_connection_store_load         (XpConnectionStore  *self,
                                                     GError            **error);
gboolean           xp_connection_store_save         (XpConnectionStore  *self,
                                                     GError            **error);

/* "host", "host:port", "https://host:port" or "http://host" (plain HTTP
 * only when typed).  Returns the normalised URI or NULL with a readable error. */
char              *xp_connection_address_to_uri     (const char         *address,
                                                     GError            **error);

XapiConnection    *xp_connection_store_find         (XpConnectionStore  *self,
                                                     const char         *address);
/* Adds (or returns the existing one for the same address, updating user and
 * flags); saves unless TRANSIENT.  Transfer none. */
XapiConnection    *xp_connection_store_add          (XpConnectionStore  *self,
                                                     const char         *address,
                                                     const char         *user,
                                                     XpConnectionFlags   flags,
                                                     GError            **error);
void               xp_connection_store_remove       (XpConnectionStore  *self,
                                                     XapiConnection     *conn);
/* Opens @conn.  With @password it is used (and stored in the keyring when the
 * connection remembers passwords); without, the keyring is asked. */
void               xp_connection_store_connect      (XpConnectionStore  *self,
                                                     XapiConnection     *conn,
                                                     const char         *password);
void               xp_connection_store_disconnect   (XpConnectionStore  *self,
                                                     XapiConnection     *conn);
void               xp_connection_store_forget_password (XpConnectionStore *self,
                                                     XapiConnection     *conn);
/* Pin @fingerprint for the connection's server (saved) and connect again. */
void               xp_connection_store_trust        (XpConnectionStore  *self,
                                                     XapiConnection     *conn,
                                                     const char         *fingerprint);
/* Open every saved connection marked auto-connect. */
void               xp_connection_store_auto_connect (XpConnectionStore  *self);
/* Close everything (at shutdown). */
void               xp_connection_store_close_all    (XpConnectionStore  *self);

/* Per-connection facts kept by the store. */
const char        *xp_connection_get_address        (XapiConnection     *conn);
XpConnectionFlags  xp_connection_get_flags          (XapiConnection     *conn);
/* Accept any certificate the first time, pinned for this session only (demo). */
void               xp_connection_trust_for_session  (XapiConnection     *conn);
/* Whether @error is a certificate rejection. */
gboolean           xp_error_is_certificate          (const GError       *error);

G_END_DECLS
