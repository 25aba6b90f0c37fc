/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "xapi-connection.h"

G_BEGIN_DECLS

#define XP_TYPE_HA_WIZARD (xp_ha_wizard_get_type ())
G_DECLARE_FINAL_TYPE (XpHaWizard, xp_ha_wizard, XP, HA_WIZARD, GtkWindow)

/* Configure high availability: heartbeat SR, server failures to tolerate
 * (at most what pool.ha_compute_hypothetical_max_host_failures_to_tolerate
 * allows), summary, then pool.enable_ha as a task and the failures to
 * tolerate.  Emits "finished" (const char *pool_ref_or_null,
 * const char *error_or_null). */
GtkWindow *xp_ha_wizard_new (GtkWindow      *parent,
                             XapiConnection *conn);

G_END_DECLS
