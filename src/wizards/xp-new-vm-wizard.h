/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "xapi-connection.h"
#include "xapi-classes.h"

G_BEGIN_DECLS

#define XP_TYPE_NEW_VM_WIZARD (xp_new_vm_wizard_get_type ())
G_DECLARE_FINAL_TYPE (XpNewVmWizard, xp_new_vm_wizard, XP, NEW_VM_WIZARD, GtkWindow)

/* The New VM wizard: template, name, installation media (install
 * templates only), disks, vCPUs and memory, summary, create.
 * Emits "finished" (const char *vm_ref_or_null, const char *error_or_null)
 * when the creation is over, successful or rolled back. */
GtkWindow *xp_new_vm_wizard_new (GtkWindow      *parent,
                                 XapiConnection *conn,
                                 XapiVm         *template_or_null);

G_END_DECLS
