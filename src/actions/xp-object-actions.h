/* xp-object-actions.h: the "obj.*" actions on the selected XAPI objects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define XP_TYPE_OBJECT_ACTIONS (xp_object_actions_get_type ())
G_DECLARE_FINAL_TYPE (XpObjectActions, xp_object_actions, XP, OBJECT_ACTIONS, GObject)

/* Signals:
 *   "toast" (const char *text): a result or failure to show to the user.
 *
 * Actions (insert the group under the prefix "obj"): see xp-object-actions.c
 * for the list.  Every action runs on each selected object; its enabled state
 * follows allowed_operations / power_state of all of them, live.  Besides the
 * selection-based actions, "invoke" (target "(ss)": action name, object ref)
 * runs one of them on another object of the same connections (used by the
 * pages: a disk, a snapshot, a VIF). */
XpObjectActions *xp_object_actions_new             (GtkWindow       *parent);
GActionGroup    *xp_object_actions_get_group       (XpObjectActions *self);
void             xp_object_actions_set_selection   (XpObjectActions *self,
                                                    GPtrArray       *objects);
GMenuModel      *xp_object_actions_get_context_menu (XpObjectActions *self);
void             xp_object_actions_set_accels      (GtkApplication  *app);

/* Number of operations still running (tests). */
guint            xp_object_actions_get_n_running   (XpObjectActions *self);

G_END_DECLS
