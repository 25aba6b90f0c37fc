/* xp-page-util.h: field access and small widgets shared by the pages and actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include "xapi-object.h"
#include "xapi-connection.h"
#include "xapi-cache.h"

G_BEGIN_DECLS

/* Generic, transfer-none access to a field by its wire name; defaults when
 * the object has no such field. */
const char         *xp_field_str      (XapiObject *obj,
                                       const char *wire_name);
gint64              xp_field_int      (XapiObject *obj,
                                       const char *wire_name);
double              xp_field_float    (XapiObject *obj,
                                       const char *wire_name);
gboolean            xp_field_bool     (XapiObject *obj,
                                       const char *wire_name);
/* Wire text of an enum field ("Running"), "" when unknown. */
const char         *xp_field_enum     (XapiObject *obj,
                                       const char *wire_name);
const char * const *xp_field_strv     (XapiObject *obj,
                                       const char *wire_name);
GHashTable         *xp_field_map      (XapiObject *obj,
                                       const char *wire_name);
gboolean            xp_field_has      (XapiObject *obj,
                                       const char *wire_name);
gboolean            xp_strv_has       (const char * const *strv,
                                       const char         *value);

gboolean            xp_ref_is_null    (const char *ref);
XapiCache          *xp_object_cache   (XapiObject *obj);
XapiObject         *xp_follow         (XapiObject *obj,
                                       const char *ref_field);
/* A new array of the objects in a set-of-refs field (never NULL). */
GPtrArray          *xp_follow_set     (XapiObject *obj,
                                       const char *refs_field);

/* Kinds of objects the UI distinguishes. */
typedef enum {
  XP_KIND_OTHER    = 0,
  XP_KIND_VM       = 1 << 0,
  XP_KIND_TEMPLATE = 1 << 1,
  XP_KIND_SNAPSHOT = 1 << 2,
  XP_KIND_HOST     = 1 << 3,
  XP_KIND_SR       = 1 << 4,
  XP_KIND_POOL     = 1 << 5,
  XP_KIND_NETWORK  = 1 << 6,
  XP_KIND_VDI      = 1 << 7,
  XP_KIND_VBD      = 1 << 8,
  XP_KIND_VIF      = 1 << 9,
} XpKind;

XpKind              xp_object_kind    (XapiObject *obj);
const char         *xp_kind_name      (XpKind      kind);
/* The object's display name (name_label, or the class and uuid). */
const char         *xp_object_name    (XapiObject *obj);

char               *xp_format_bytes   (gint64      bytes);
/* Tags as the user types them ("a, b ,c") and back: the trimmed non-empty
 * parts as a JSON array (transfer full), and "a, b" for the tags field. */
JsonNode           *xp_tags_parse     (const char *text);
char               *xp_tags_format    (XapiObject *obj);
/* The call that sets a VM's memory: "VM.set_memory_limits" with all four
 * values when the VM is halted, else "VM.set_memory_dynamic_range" (the
 * static ones are ignored).  Appends the VM's ref and the values to @params. */
const char         *xp_memory_call    (XapiObject *vm,
                                       gint64      static_min,
                                       gint64      static_max,
                                       gint64      dynamic_min,
                                       gint64      dynamic_max,
                                       JsonArray  *params);
/* A readable sentence for a failure, with the XAPI code. */
char               *xp_describe_error (const GError *error);

/* Widgets */
GtkWidget          *xp_group_new      (GtkBox     *page,
                                       const char *title,
                                       const char *description);
GtkWidget          *xp_fact_row       (GtkWidget  *group,
                                       const char *title,
                                       const char *value);
/* A row with a level bar (0..1) and a caption. */
GtkWidget          *xp_usage_row      (GtkWidget  *group,
                                       const char *title,
                                       double      fraction,
                                       const char *caption);
/* A flat button with an icon, a tooltip and an accessible label, activating
 * @action (may be NULL) with @target (floating variants are sunk). */
GtkWidget          *xp_action_button  (const char *icon_name,
                                       const char *label,
                                       const char *action,
                                       GVariant   *target);
/* "obj.invoke" target: run action @name on the object @ref. */
GVariant           *xp_invoke_target  (const char *name,
                                       const char *ref);
void                xp_box_clear      (GtkBox     *box);

/* VM.ha_restart_priority: the wire values in the order of the drop-down
 * ("restart", "best-effort", "") with their labels ("Restart", "Restart if
 * possible", "Do not restart"); an unknown wire value is "Do not restart". */
#define XP_HA_N_PRIORITIES 3
const char         *xp_ha_priority_wire  (guint       index);
const char         *xp_ha_priority_label (guint       index);
guint               xp_ha_priority_index (const char *wire);
/* The restart priority drop-down and the start order spin (0..9999) of the
 * VM named @vm_name, with their accessible names and tooltips. */
GtkWidget          *xp_ha_priority_dropdown_new (const char *vm_name,
                                                 guint       selected);
GtkWidget          *xp_ha_order_spin_new        (const char *vm_name,
                                                 gint64      value);

G_END_DECLS
