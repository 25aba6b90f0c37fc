/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "xapi-connection.h"

G_BEGIN_DECLS

#define XP_TYPE_NEW_NETWORK_WIZARD (xp_new_network_wizard_get_type ())
G_DECLARE_FINAL_TYPE (XpNewNetworkWizard, xp_new_network_wizard, XP, NEW_NETWORK_WIZARD, GtkWindow)

/* The New Network wizard: external (a VLAN on one NIC of every server),
 * single-server private, or bonded (a bond of the same NICs on every
 * server).  Pages: type, name, details, summary, progress.  Emits
 * "finished" (const char *network_ref_or_null, const char *error_or_null). */
GtkWindow *xp_new_network_wizard_new (GtkWindow      *parent,
                                      XapiConnection *conn);

G_END_DECLS
