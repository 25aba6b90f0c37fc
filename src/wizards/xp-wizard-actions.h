/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "xapi-classes.h"

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
/* The Migrate wizard for @vm with @host preselected once it is known to
 * take the VM (drag and drop of a VM onto a host); returns the wizard. */
GtkWindow       *xp_wizard_actions_migrate_to    (XpWizardActions *self,
                                                  XapiVm          *vm,
                                                  XapiHost        *host);

G_END_DECLS
