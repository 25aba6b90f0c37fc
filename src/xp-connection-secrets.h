/* xp-connection-secrets.h: connection passwords in the Secret Service (libsecret)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

/* Schema "io.github.xenpools.XenPools" with the attributes "server" and "user". */
const SecretSchema *xp_secret_get_schema      (void);

void      xp_secret_store_async   (const char          *server,
                                   const char          *user,
                                   const char          *password,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean  xp_secret_store_finish  (GAsyncResult        *result,
                                   GError             **error);
void      xp_secret_lookup_async  (const char          *server,
                                   const char          *user,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
/* The password, or NULL (no error) when none is stored. */
char     *xp_secret_lookup_finish (GAsyncResult        *result,
                                   GError             **error);
void      xp_secret_clear_async   (const char          *server,
                                   const char          *user,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean  xp_secret_clear_finish  (GAsyncResult        *result,
                                   GError             **error);

G_END_DECLS
