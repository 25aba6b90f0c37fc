/* xp-connection-secrets.c: connection passwords in the Secret Service (libsecret)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-connection-secrets.h"

const SecretSchema *
xp_secret_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.xenpools.XenPools", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

void
xp_secret_store_async (const char          *server,
                       const char          *user,
                       const char          *password,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autofree char *label = g_strdup_printf (_("XenPools password for %s@%s"), user, server);

  secret_password_store (xp_secret_get_schema (), SECRET_COLLECTION_DEFAULT, label, password,
                         cancellable, callback, user_data,
                         "server", server, "user", user, NULL);
}

gboolean
xp_secret_store_finish (GAsyncResult  *result,
                        GError       **error)
{
  return secret_password_store_finish (result, error);
}

void
xp_secret_lookup_async (const char          *server,
                        const char          *user,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  secret_password_lookup (xp_secret_get_schema (), cancellable, callback, user_data,
                          "server", server, "user", user, NULL);
}

char *
xp_secret_lookup_finish (GAsyncResult  *result,
                         GError       **error)
{
  char *secret = secret_password_lookup_finish (result, error);
  char *copy = g_strdup (secret);

  secret_password_free (secret);
  return copy;
}

void
xp_secret_clear_async (const char          *server,
                       const char          *user,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  secret_password_clear (xp_secret_get_schema (), cancellable, callback, user_data,
                         "server", server, "user", user, NULL);
}

gboolean
xp_secret_clear_finish (GAsyncResult  *result,
                        GError       **error)
{
  return secret_password_clear_finish (result, error);
}
