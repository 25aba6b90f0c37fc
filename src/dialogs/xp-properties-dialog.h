/* xp-properties-dialog.h: the Properties window of a VM, template, host or SR
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xapi-object.h"

G_BEGIN_DECLS

#define XP_TYPE_PROPERTIES_DIALOG (xp_properties_dialog_get_type ())
G_DECLARE_FINAL_TYPE (XpPropertiesDialog, xp_properties_dialog, XP, PROPERTIES_DIALOG, AdwWindow)

/* Signals:
 *   "finished" (gboolean all_applied): OK's calls are done; the window
 *   closes itself when every change was applied, else it stays open and
 *   says which changes were applied and which were not. */

/* The Properties window of @object (XP_KIND_VM, _TEMPLATE, _HOST or _SR). */
GtkWindow *xp_properties_dialog_new     (GtkWindow  *parent,
                                         XapiObject *object);
/* Presents the window already open for @object, or a new one. */
GtkWindow *xp_properties_dialog_present (GtkWindow  *parent,
                                         XapiObject *object);
/* Whether @object's kind has a Properties window. */
gboolean   xp_properties_dialog_supports (XapiObject *object);

G_END_DECLS
