/* xp-connection-dialogs.h: Add Server and certificate trust dialogs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xp-connection-store.h"

G_BEGIN_DECLS

/* The Add Server dialog: address[:port], user, password, remember password,
 * connect at start.  It stays open while connecting and shows failures in
 * plain words; it closes once the connection is up.  Returns the dialog. */
GtkWindow *xp_add_server_dialog_present   (GtkWindow         *parent,
                                           XpConnectionStore *store,
                                           const char        *address);

typedef void (*XpTrustCallback) (gboolean  accepted,
                                 gpointer  user_data);

/* Trust-on-first-use / changed-certificate dialog showing the SHA-256
 * fingerprint.  Returns the dialog. */
GtkWindow *xp_certificate_dialog_present  (GtkWindow        *parent,
                                           const char       *server,
                                           const char       *fingerprint,
                                           gboolean          changed,
                                           XpTrustCallback   callback,
                                           gpointer          user_data,
                                           GDestroyNotify    destroy);

/* A readable sentence for a connection failure (wrong password,
 * unreachable, not a XenServer, certificate problem). */
char      *xp_describe_connect_error      (const GError     *error);

G_END_DECLS
