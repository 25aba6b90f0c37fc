/* xp-application.h: the XenPools application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xp-connection-store.h"

G_BEGIN_DECLS

#define XP_TYPE_APPLICATION (xp_application_get_type ())
G_DECLARE_FINAL_TYPE (XpApplication, xp_application, XP, APPLICATION, AdwApplication)

XpApplication     *xp_application_new                  (void);
XpConnectionStore *xp_application_get_connection_store (XpApplication *self);
/* The app's GSettings, or NULL when the schema is not installed (then the
 * defaults apply).  Transfer none. */
GSettings         *xp_application_get_settings         (XpApplication *self);
/* Looks the schema up without failing; transfer full, NULL when absent. */
GSettings         *xp_settings_new_if_available        (void);

G_END_DECLS
