/* xp-preferences-dialog.h: the Preferences window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define XP_TYPE_PREFERENCES_DIALOG (xp_preferences_dialog_get_type ())

G_DECLARE_FINAL_TYPE (XpPreferencesDialog, xp_preferences_dialog, XP, PREFERENCES_DIALOG, AdwPreferencesWindow)

XpPreferencesDialog *xp_preferences_dialog_new     (GSettings *settings);
void                 xp_preferences_dialog_present (GtkWindow *parent);

G_END_DECLS
