/* xp-connection-store.c: saved connections and their live XapiConnection objects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One keyfile, <config>/xenpools/connections.ini, written atomically
 * (g_file_set_contents: temporary file + rename).  One group per server:
 *
 *   [server example.org:443]
 *   address=example.org:443        as the user typed it
 *   user=root
 *   fingerprint=AB:CD:…             pinned SHA-256 of the accepted certificate
 *   members=https://10.0.0.2;…     pool members last seen (fail-over)
 *   auto-connect=true
 *   remember-password=true
 *
 * Passwords never go there: only into the Secret Service (xp-connection-secrets).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <string.h>

#include "xp-connection-store.h"
#include "xp-connection-secrets.h"

typedef struct {
  char              *address;
  XpConnectionFlags  flags;
  gboolean           interactive;  /* the user is waiting on this connect */
} ConnInfo;

static GQuark conn_info_quark;

static void
conn_info_free (gpointer data)
{
  ConnInfo *info = data;

  g_free (info->address);
  g_free (info);
}

static ConnInfo *
conn_info (XapiConnection *conn)
{
  return g_object_get_qdata (G_OBJECT (conn), conn_info_quark);
}

struct _XpConnectionStore
{
  GObject       parent_instance;

  char         *dir;
  char         *path;
  GListStore   *connections;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (XpConnectionStore, xp_connection_store, G_TYPE_OBJECT)

enum { CERTIFICATE_PROBLEM, CONNECT_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
xp_connection_store_dispose (GObject *object)
{
  XpConnectionStore *self = XP_CONNECTION_STORE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connections);
  G_OBJECT_CLASS (xp_connection_store_parent_class)->dispose (object);
}

static void
xp_connection_store_finalize (GObject *object)
{
  XpConnectionStore *self = XP_CONNECTION_STORE (object);

  g_free (self->dir);
  g_free (self->path);
  G_OBJECT_CLASS (xp_connection_store_parent_class)->finalize (object);
}

static void
xp_connection_store_class_init (XpConnectionStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_connection_store_dispose;
  object_class->finalize = xp_connection_store_finalize;

  conn_info_quark = g_quark_from_static_string ("xp-connection-info");

  signals[CERTIFICATE_PROBLEM] =
    g_signal_new ("certificate-problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  XAPI_TYPE_CONNECTION, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[CONNECT_FAILED] =
    g_signal_new ("connect-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  XAPI_TYPE_CONNECTION, G_TYPE_ERROR);
}

static void
xp_connection_store_init (XpConnectionStore *self)
{
  self->connections = g_list_store_new (XAPI_TYPE_CONNECTION);
  self->cancellable = g_cancellable_new ();
}

XpConnectionStore *
xp_connection_store_new (const char *config_dir)
{
  XpConnectionStore *self = g_object_new (XP_TYPE_CONNECTION_STORE, NULL);

  if (config_dir != NULL)
    self->dir = g_strdup (config_dir);
  else
    self->dir = g_build_filename (g_get_user_config_dir (), "xenpools", NULL);
  self->path = g_build_filename (self->dir, "connections.ini", NULL);
  return self;
}

const char *
xp_connection_store_get_path (XpConnectionStore *self)
{
  g_return_val_if_fail (XP_IS_CONNECTION_STORE (self), NULL);
  return self->path;
}

GListModel *
xp_connection_store_get_connections (XpConnectionStore *self)
{
  g_return_val_if_fail (XP_IS_CONNECTION_STORE (self), NULL);
  return G_LIST_MODEL (self->connections);
}

const char *
xp_connection_get_address (XapiConnection *conn)
{
  ConnInfo *info = conn_info (conn);

  return info ? info->address : xapi_connection_get_initial_uri (conn);
}

XpConnectionFlags
xp_connection_get_flags (XapiConnection *conn)
{
  ConnInfo *info = conn_info (conn);

  return info ? info->flags : 0;
}

gboolean
xp_error_is_certificate (const GError *error)
{
  return error != NULL && error->domain == G_TLS_ERROR;
}

static gboolean
session_trust_cb (XapiConnection       *connection,
                  const char           *host,
                  GTlsCertificate      *certificate,
                  const char           *fingerprint,
                  GTlsCertificateFlags  errors,
                  gpointer              user_data)
{
  /* First certificate seen wins for the rest of the session. */
  if (xapi_connection_get_pinned_fingerprint (connection) == NULL)
    {
      xapi_connection_set_pinned_fingerprint (connection, fingerprint);
      return TRUE;
    }
  return FALSE;
}

void
xp_connection_trust_for_session (XapiConnection *conn)
{
  xapi_connection_set_trust_func (conn, session_trust_cb, NULL, NULL);
}

char *
xp_connection_address_to_uri (const char  *address,
                              GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (address ? address : ""));
  g_autofree char *uri = NULL;
  g_autoptr(GUri) parsed = NULL;
  const char *scheme;

  if (*text == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Enter the address of a server."));
      return NULL;
    }
  if (strstr (text, "://") != NULL)
    uri = g_strdup (text);
  else
    uri = g_strconcat ("https://", text, NULL);

  parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  scheme = parsed ? g_uri_get_scheme (parsed) : NULL;
  if (parsed == NULL || g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0) ||
      strchr (g_uri_get_host (parsed), ' ') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a server address. Use a host name or IP address, optionally followed by “:port”."),
                   text);
      return NULL;
    }

  return g_uri_join (G_URI_FLAGS_NONE, scheme, NULL, g_uri_get_host (parsed),
                     g_uri_get_port (parsed), "", NULL, NULL);
}

XapiConnection *
xp_connection_store_find (XpConnectionStore *self,
                          const char        *address)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  g_autofree char *uri = xp_connection_address_to_uri (address, NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiConnection) conn = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (g_strcmp0 (xp_connection_get_address (conn), address) == 0 ||
          (uri != NULL && g_strcmp0 (xapi_connection_get_initial_uri (conn), uri) == 0))
        return conn;  /* still owned by the store */
    }
  return NULL;
}

static void conn_state_notify_cb (XapiConnection    *conn,
                                  GParamSpec        *pspec,
                                  XpConnectionStore *self);

static XapiConnection *
create_connection (XpConnectionStore *self,
                   const char        *address,
                   const char        *user,
                   XpConnectionFlags  flags,
                   GError           **error)
{
  g_autofree char *uri = xp_connection_address_to_uri (address, error);
  XapiConnection *conn;
  ConnInfo *info;

  if (uri == NULL)
    return NULL;

  conn = xapi_connection_new (uri, user && *user ? user : "root");
  xapi_connection_set_originator (conn, "XenPools");
  info = g_new0 (ConnInfo, 1);
  info->address = g_strstrip (g_strdup (address));
  info->flags = flags;
  g_object_set_qdata_full (G_OBJECT (conn), conn_info_quark, info, conn_info_free);
  g_object_set_data_full (G_OBJECT (conn), "xp-address", g_strdup (info->address), g_free);
  if (flags & XP_CONNECTION_TRANSIENT)
    xp_connection_trust_for_session (conn);
  g_signal_connect_object (conn, "notify::state", G_CALLBACK (conn_state_notify_cb), self, 0);
  g_list_store_append (self->connections, conn);
  return conn;  /* owned by the store */
}

gboolean
xp_connection_store_load (XpConnectionStore  *self,
                          GError            **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (XP_IS_CONNECTION_STORE (self), FALSE);

  if (!g_key_file_load_from_file (kf, self->path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *address = g_key_file_get_string (kf, groups[i], "address", NULL);
      g_autofree char *user = g_key_file_get_string (kf, groups[i], "user", NULL);
      g_autofree char *fingerprint = g_key_file_get_string (kf, groups[i], "fingerprint", NULL);
      g_auto(GStrv) members = g_key_file_get_string_list (kf, groups[i], "members", NULL, NULL);
      XpConnectionFlags flags = 0;
      XapiConnection *conn;

      if (!g_str_has_prefix (groups[i], "server ") || address == NULL)
        continue;
      if (xp_connection_store_find (self, address) != NULL)
        continue;
      if (g_key_file_get_boolean (kf, groups[i], "auto-connect", NULL))
        flags |= XP_CONNECTION_AUTO_CONNECT;
      if (g_key_file_get_boolean (kf, groups[i], "remember-password", NULL))
        flags |= XP_CONNECTION_REMEMBER_PASSWORD;

      conn = create_connection (self, address, user, flags, NULL);
      if (conn == NULL)
        {
          g_warning ("Ignoring saved connection with a bad address: %s", address);
          continue;
        }
      if (fingerprint != NULL && *fingerprint)
        xapi_connection_set_pinned_fingerprint (conn, fingerprint);
      if (members != NULL && members[0] != NULL)
        xapi_connection_set_pool_members (conn, (const char * const *) members);
    }
  return TRUE;
}

gboolean
xp_connection_store_save (XpConnectionStore  *self,
                          GError            **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  gsize len = 0;
  guint n;

  g_return_val_if_fail (XP_IS_CONNECTION_STORE (self), FALSE);

  g_key_file_set_comment (kf, NULL, NULL,
                          " XenPools saved connections. Passwords are kept in the keyring, never here.",
                          NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiConnection) conn = g_list_model_get_item (G_LIST_MODEL (self->connections), i);
      ConnInfo *info = conn_info (conn);
      g_autofree char *group = NULL;
      const char * const *members;
      const char *pin;

      if (info == NULL || (info->flags & XP_CONNECTION_TRANSIENT))
        continue;
      group = g_strconcat ("server ", info->address, NULL);
      g_key_file_set_string (kf, group, "address", info->address);
      g_key_file_set_string (kf, group, "user", xapi_connection_get_username (conn));
      pin = xapi_connection_get_pinned_fingerprint (conn);
      if (pin != NULL)
        g_key_file_set_string (kf, group, "fingerprint", pin);
      members = xapi_connection_get_pool_members (conn);
      if (members != NULL && members[0] != NULL)
        g_key_file_set_string_list (kf, group, "members", members, g_strv_length ((GStrv) members));
      g_key_file_set_boolean (kf, group, "auto-connect", !!(info->flags & XP_CONNECTION_AUTO_CONNECT));
      g_key_file_set_boolean (kf, group, "remember-password",
                              !!(info->flags & XP_CONNECTION_REMEMBER_PASSWORD));
    }

  data = g_key_file_to_data (kf, &len, NULL);
  if (g_mkdir_with_parents (self->dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   _("Could not create %s: %s"), self->dir, g_strerror (errsv));
      return FALSE;
    }
  return g_file_set_contents_full (self->path, data, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_ONLY_EXISTING,
                                   0600, error);
}

static void
save_or_warn (XpConnectionStore *self)
{
  g_autoptr(GError) error = NULL;

  if (!xp_connection_store_save (self, &error))
    g_warning ("Could not save the connections: %s", error->message);
}

XapiConnection *
xp_connection_store_add (XpConnectionStore  *self,
                         const char         *address,
                         const char         *user,
                         XpConnectionFlags   flags,
                         GError            **error)
{
  XapiConnection *conn;

  g_return_val_if_fail (XP_IS_CONNECTION_STORE (self), NULL);

  conn = xp_connection_store_find (self, address);
  if (conn != NULL)
    {
      ConnInfo *info = conn_info (conn);

      if (info != NULL)
        info->flags = flags | (info->flags & XP_CONNECTION_TRANSIENT);
    }
  else
    {
      conn = create_connection (self, address, user, flags, error);
      if (conn == NULL)
        return NULL;
    }
  if (!(flags & XP_CONNECTION_TRANSIENT))
    save_or_warn (self);
  return conn;
}

static gboolean
find_position (XpConnectionStore *self,
               XapiConnection    *conn,
               guint             *position)
{
  return g_list_store_find (self->connections, conn, position);
}

void
xp_connection_store_disconnect (XpConnectionStore *self,
                                XapiConnection    *conn)
{
  g_return_if_fail (XP_IS_CONNECTION_STORE (self));
  xapi_connection_close_async (conn, NULL, NULL, NULL);
}

static void
secret_cleared_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!xp_secret_clear_finish (result, &error))
    g_warning ("Could not remove the password from the keyring: %s", error->message);
}

static void
clear_secret (XapiConnection *conn)
{
  xp_secret_clear_async (xp_connection_get_address (conn),
                         xapi_connection_get_username (conn),
                         NULL, secret_cleared_cb, NULL);
}

void
xp_connection_store_forget_password (XpConnectionStore *self,
                                     XapiConnection    *conn)
{
  ConnInfo *info = conn_info (conn);

  g_return_if_fail (XP_IS_CONNECTION_STORE (self));
  xapi_connection_set_password (conn, NULL);
  if (info != NULL)
    info->flags &= ~XP_CONNECTION_REMEMBER_PASSWORD;
  if (info == NULL || !(info->flags & XP_CONNECTION_TRANSIENT))
    {
      clear_secret (conn);
      save_or_warn (self);
    }
}

void
xp_connection_store_remove (XpConnectionStore *self,
                            XapiConnection    *conn)
{
  g_autoptr(XapiConnection) keep = g_object_ref (conn);
  guint position;

  g_return_if_fail (XP_IS_CONNECTION_STORE (self));

  if (!find_position (self, conn, &position))
    return;
  g_signal_handlers_disconnect_by_data (conn, self);
  xapi_connection_close_async (conn, NULL, NULL, NULL);
  g_list_store_remove (self->connections, position);
  if (!(xp_connection_get_flags (conn) & XP_CONNECTION_TRANSIENT))
    {
      clear_secret (conn);
      save_or_warn (self);
    }
}

/* ---- connecting ---- */

typedef struct {
  XpConnectionStore *self;
  XapiConnection    *conn;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->conn);
  g_free (data);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OpenData *data = user_data;
  XapiConnection *conn = XAPI_CONNECTION (source);
  g_autoptr(GError) error = NULL;
  const char *peer, *pin;

  if (xapi_connection_open_finish (conn, result, &error))
    {
      open_data_free (data);
      return;
    }

  peer = xapi_connection_get_peer_fingerprint (conn);
  pin = xapi_connection_get_pinned_fingerprint (conn);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      peer != NULL && (pin == NULL || g_ascii_strcasecmp (peer, pin) != 0) &&
      (xp_error_is_certificate (error) ||
       xapi_connection_get_state (conn) == XAPI_CONNECTION_STATE_FAILED))
    g_signal_emit (data->self, signals[CERTIFICATE_PROBLEM], 0, conn, peer, pin != NULL);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_signal_emit (data->self, signals[CONNECT_FAILED], 0, conn, error);
  open_data_free (data);
}

static void
open_now (XpConnectionStore *self,
          XapiConnection    *conn)
{
  OpenData *data = g_new0 (OpenData, 1);

  data->self = g_object_ref (self);
  data->conn = g_object_ref (conn);
  xapi_connection_open_async (conn, NULL, opened_cb, data);
}

static void
secret_stored_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!xp_secret_store_finish (result, &error))
    g_warning ("Could not save the password in the keyring: %s", error->message);
}

static void
secret_looked_up_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  OpenData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = xp_secret_lookup_finish (result, &error);

  if (error != NULL)
    g_warning ("Could not read the password from the keyring: %s", error->message);
  if (password != NULL)
    xapi_connection_set_password (data->conn, password);
  open_now (data->self, data->conn);
  open_data_free (data);
}

void
xp_connection_store_connect (XpConnectionStore *self,
                             XapiConnection    *conn,
                             const char        *password)
{
  XpConnectionFlags flags = xp_connection_get_flags (conn);

  g_return_if_fail (XP_IS_CONNECTION_STORE (self));
  g_return_if_fail (XAPI_IS_CONNECTION (conn));

  if (password != NULL)
    {
      xapi_connection_set_password (conn, password);
      if ((flags & XP_CONNECTION_REMEMBER_PASSWORD) && !(flags & XP_CONNECTION_TRANSIENT))
        xp_secret_store_async (xp_connection_get_address (conn),
                               xapi_connection_get_username (conn),
                               password, NULL, secret_stored_cb, NULL);
      open_now (self, conn);
    }
  else if ((flags & XP_CONNECTION_REMEMBER_PASSWORD) && !(flags & XP_CONNECTION_TRANSIENT))
    {
      OpenData *data = g_new0 (OpenData, 1);

      data->self = g_object_ref (self);
      data->conn = g_object_ref (conn);
      xp_secret_lookup_async (xp_connection_get_address (conn),
                              xapi_connection_get_username (conn),
                              self->cancellable, secret_looked_up_cb, data);
    }
  else
    open_now (self, conn);
}

void
xp_connection_store_trust (XpConnectionStore *self,
                           XapiConnection    *conn,
                           const char        *fingerprint)
{
  g_return_if_fail (XP_IS_CONNECTION_STORE (self));

  xapi_connection_set_pinned_fingerprint (conn, fingerprint);
  if (!(xp_connection_get_flags (conn) & XP_CONNECTION_TRANSIENT))
    save_or_warn (self);
  if (xapi_connection_get_state (conn) == XAPI_CONNECTION_STATE_RECONNECTING)
    xapi_connection_reconnect_now (conn);
  else
    open_now (self, conn);
}

void
xp_connection_store_auto_connect (XpConnectionStore *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiConnection) conn = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if ((xp_connection_get_flags (conn) & XP_CONNECTION_AUTO_CONNECT) &&
          xapi_connection_get_state (conn) == XAPI_CONNECTION_STATE_DISCONNECTED)
        xp_connection_store_connect (self, conn, NULL);
    }
}

void
xp_connection_store_close_all (XpConnectionStore *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XapiConnection) conn = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (xapi_connection_get_state (conn) != XAPI_CONNECTION_STATE_DISCONNECTED)
        xapi_connection_close_async (conn, NULL, NULL, NULL);
    }
}

/* Remember the pool's member addresses once connected (fail-over next time). */
static void
conn_state_notify_cb (XapiConnection    *conn,
                      GParamSpec        *pspec,
                      XpConnectionStore *self)
{
  if (xapi_connection_get_state (conn) == XAPI_CONNECTION_STATE_CONNECTED &&
      !(xp_connection_get_flags (conn) & XP_CONNECTION_TRANSIENT))
    save_or_warn (self);
}
