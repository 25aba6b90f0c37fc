/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define XP_TYPE_WIZARD_ACTIONS (xp_wizard_actions_get_type ())
G_DECLARE_FINAL_TYPE (XpWizardActions, xp_wizard_actions, XP, WIZARD_ACTIONS, GObject)

/* @connections: a GListModel of XapiConnection. */
XpWizardActions *xp_wizard_actions_new           (GtkWindow       *parent,
                                                  GListModel      *connections);
GActionGroup    *xp_wizard_actions_get_group     (XpWizardActions *self);
/* @objects: XapiObject*, may be NULL or empty. */
void             xp_wizard_actions_set_selection (XpWizardActions *self,
                                                  GPtrArray       *objects);

G_END_DECLS
