/* xp-page-util.c: field access and small widgets shared by the pages and actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-page-util.h"
#include "xapi-error.h"

static gpointer
field_slot (XapiObject    *obj,
            const char    *wire_name,
            XapiFieldKind  kind)
{
  const XapiFieldInfo *f;

  if (obj == NULL)
    return NULL;
  f = xapi_object_find_field (obj, wire_name);
  if (f == NULL)
    return NULL;
  /* refs and strings share a representation */
  if (f->kind != kind
      && !(kind == XAPI_FIELD_STRING && f->kind == XAPI_FIELD_REF))
    return NULL;
  return G_STRUCT_MEMBER_P (obj, f->offset);
}

gboolean
xp_field_has (XapiObject *obj,
              const char *wire_name)
{
  return obj != NULL && xapi_object_find_field (obj, wire_name) != NULL;
}

const char *
xp_field_str (XapiObject *obj,
              const char *wire_name)
{
  char **slot = field_slot (obj, wire_name, XAPI_FIELD_STRING);

  return slot != NULL && *slot != NULL ? *slot : "";
}

gint64
xp_field_int (XapiObject *obj,
              const char *wire_name)
{
  gint64 *slot = field_slot (obj, wire_name, XAPI_FIELD_INT);

  return slot != NULL ? *slot : 0;
}

double
xp_field_float (XapiObject *obj,
                const char *wire_name)
{
  double *slot = field_slot (obj, wire_name, XAPI_FIELD_FLOAT);

  return slot != NULL ? *slot : 0.0;
}

gboolean
xp_field_bool (XapiObject *obj,
               const char *wire_name)
{
  gboolean *slot = field_slot (obj, wire_name, XAPI_FIELD_BOOL);

  return slot != NULL ? *slot : FALSE;
}

const char *
xp_field_enum (XapiObject *obj,
               const char *wire_name)
{
  const XapiFieldInfo *f;
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *v;

  if (obj == NULL || (f = xapi_object_find_field (obj, wire_name)) == NULL
      || f->kind != XAPI_FIELD_ENUM || f->enum_get_type == NULL)
    return "";
  klass = g_type_class_ref (f->enum_get_type ());
  v = g_enum_get_value (klass, G_STRUCT_MEMBER (int, obj, f->offset));
  /* enum classes of generated types stay alive for the program's lifetime */
  return v != NULL && v->value != 0 ? v->value_nick : "";
}

const char * const *
xp_field_strv (XapiObject *obj,
               const char *wire_name)
{
  static const char *empty[] = { NULL };
  char ***slot = field_slot (obj, wire_name, XAPI_FIELD_STRV);

  return slot != NULL && *slot != NULL ? (const char * const *) *slot : empty;
}

GHashTable *
xp_field_map (XapiObject *obj,
              const char *wire_name)
{
  GHashTable **slot = field_slot (obj, wire_name, XAPI_FIELD_MAP);

  return slot != NULL ? *slot : NULL;
}

gboolean
xp_strv_has (const char * const *strv,
             const char         *value)
{
  return strv != NULL && g_strv_contains (strv, value);
}

gboolean
xp_ref_is_null (const char *ref)
{
  return ref == NULL || *ref == '\0' || g_str_equal (ref, "OpaqueRef:NULL");
}

XapiCache *
xp_object_cache (XapiObject *obj)
{
  XapiConnection *conn = obj != NULL ? xapi_object_get_connection (obj) : NULL;

  return conn != NULL ? xapi_connection_get_cache (conn) : NULL;
}

XapiObject *
xp_follow (XapiObject *obj,
           const char *ref_field)
{
  XapiCache *cache = xp_object_cache (obj);

  return cache != NULL ? xapi_cache_follow (cache, obj, ref_field) : NULL;
}

GPtrArray *
xp_follow_set (XapiObject *obj,
               const char *refs_field)
{
  XapiCache *cache = xp_object_cache (obj);
  GPtrArray *res = cache != NULL ? xapi_cache_follow_set (cache, obj, refs_field) : NULL;

  return res != NULL ? res : g_ptr_array_new ();
}

XpKind
xp_object_kind (XapiObject *obj)
{
  const char *cls;

  if (obj == NULL)
    return XP_KIND_OTHER;
  cls = xapi_object_get_class_name (obj);
  if (g_ascii_strcasecmp (cls, "VM") == 0)
    {
      if (xp_field_bool (obj, "is_a_snapshot"))
        return XP_KIND_SNAPSHOT;
      if (xp_field_bool (obj, "is_a_template"))
        return XP_KIND_TEMPLATE;
      return XP_KIND_VM;
    }
  if (g_ascii_strcasecmp (cls, "host") == 0)
    return XP_KIND_HOST;
  if (g_ascii_strcasecmp (cls, "SR") == 0)
    return XP_KIND_SR;
  if (g_ascii_strcasecmp (cls, "pool") == 0)
    return XP_KIND_POOL;
  if (g_ascii_strcasecmp (cls, "network") == 0)
    return XP_KIND_NETWORK;
  if (g_ascii_strcasecmp (cls, "VDI") == 0)
    return XP_KIND_VDI;
  if (g_ascii_strcasecmp (cls, "VBD") == 0)
    return XP_KIND_VBD;
  if (g_ascii_strcasecmp (cls, "VIF") == 0)
    return XP_KIND_VIF;
  return XP_KIND_OTHER;
}

const char *
xp_kind_name (XpKind kind)
{
  switch (kind)
    {
    case XP_KIND_VM: return _("Virtual machine");
    case XP_KIND_TEMPLATE: return _("Template");
    case XP_KIND_SNAPSHOT: return _("Snapshot");
    case XP_KIND_HOST: return _("Server");
    case XP_KIND_SR: return _("Storage repository");
    case XP_KIND_POOL: return _("Pool");
    case XP_KIND_NETWORK: return _("Network");
    case XP_KIND_VDI: return _("Virtual disk");
    case XP_KIND_VBD: return _("Virtual block device");
    case XP_KIND_VIF: return _("Virtual network interface");
    case XP_KIND_OTHER:
    default:
      return _("Object");
    }
}

const char *
xp_object_name (XapiObject *obj)
{
  const char *name = xp_field_str (obj, "name_label");

  if (*name != '\0')
    return name;
  if (xp_object_kind (obj) == XP_KIND_POOL)
    return _("Pool");
  return obj != NULL && xapi_object_get_uuid (obj) != NULL ? xapi_object_get_uuid (obj) : "";
}

char *
xp_format_bytes (gint64 bytes)
{
  return g_format_size_full (bytes < 0 ? 0 : (guint64) bytes, G_FORMAT_SIZE_IEC_UNITS);
}

JsonNode *
xp_tags_parse (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text != NULL ? text : "", ",", -1);
  JsonArray *tags = json_array_new ();
  JsonNode *node;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        json_array_add_string_element (tags, parts[i]);
    }
  node = json_node_init_array (json_node_alloc (), tags);
  json_array_unref (tags);
  return node;
}

char *
xp_tags_format (XapiObject *obj)
{
  return g_strjoinv (", ", (char **) xp_field_strv (obj, "tags"));
}

const char *
xp_memory_call (XapiObject *vm,
                gint64      static_min,
                gint64      static_max,
                gint64      dynamic_min,
                gint64      dynamic_max,
                JsonArray  *params)
{
  const char *method = "VM.set_memory_dynamic_range";

  json_array_add_string_element (params, xapi_object_get_ref (vm));
  if (g_str_equal (xp_field_enum (vm, "power_state"), "Halted"))
    {
      method = "VM.set_memory_limits";
      json_array_add_int_element (params, static_min);
      json_array_add_int_element (params, static_max);
    }
  json_array_add_int_element (params, dynamic_min);
  json_array_add_int_element (params, dynamic_max);
  return method;
}

char *
xp_describe_error (const GError *error)
{
  if (error == NULL)
    return g_strdup (_("Unknown error"));
  return xapi_error_describe (error, TRUE);
}

GtkWidget *
xp_group_new (GtkBox     *page,
              const char *title,
              const char *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  if (title != NULL)
    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_box_append (page, group);
  return group;
}

GtkWidget *
xp_fact_row (GtkWidget  *group,
             const char *title,
             const char *value)
{
  GtkWidget *row = adw_action_row_new ();

  /* server text is never markup; switch it off before any text is set */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value != NULL && *value ? value : "—");
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}

GtkWidget *
xp_usage_row (GtkWidget  *group,
              const char *title,
              double      fraction,
              const char *caption)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *bar = gtk_level_bar_new_for_interval (0.0, 1.0);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), caption);
  gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), CLAMP (fraction, 0.0, 1.0));
  gtk_widget_set_size_request (bar, 160, -1);
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), bar);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  return row;
}

GtkWidget *
xp_action_button (const char *icon_name,
                  const char *label,
                  const char *action,
                  GVariant   *target)
{
  GtkWidget *button;

  if (icon_name != NULL)
    button = gtk_button_new_from_icon_name (icon_name);
  else
    button = gtk_button_new_with_label (label);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (icon_name != NULL)
    gtk_widget_add_css_class (button, "flat");
  if (action != NULL)
    gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  if (target != NULL)
    gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
  return button;
}

GVariant *
xp_invoke_target (const char *name,
                  const char *ref)
{
  return g_variant_new ("(ss)", name, ref);
}

void
xp_box_clear (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

/* ---- HA restart priorities ---- */

static const char *ha_priorities[XP_HA_N_PRIORITIES] = { "restart", "best-effort", "" };

const char *
xp_ha_priority_wire (guint index)
{
  return ha_priorities[MIN (index, XP_HA_N_PRIORITIES - 1)];
}

const char *
xp_ha_priority_label (guint index)
{
  switch (index)
    {
    case 0: return _("Restart");
    case 1: return _("Restart if possible");
    default: return _("Do not restart");
    }
}

guint
xp_ha_priority_index (const char *wire)
{
  for (guint i = 0; i < XP_HA_N_PRIORITIES; i++)
    if (g_strcmp0 (ha_priorities[i], wire) == 0)
      return i;
  return XP_HA_N_PRIORITIES - 1;
}

GtkWidget *
xp_ha_priority_dropdown_new (const char *vm_name,
                             guint       selected)
{
  const char *labels[XP_HA_N_PRIORITIES + 1];
  GtkWidget *dropdown;
  g_autofree char *a11y = NULL;

  for (guint i = 0; i < XP_HA_N_PRIORITIES; i++)
    labels[i] = xp_ha_priority_label (i);
  labels[XP_HA_N_PRIORITIES] = NULL;
  dropdown = gtk_drop_down_new_from_strings (labels);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), MIN (selected, XP_HA_N_PRIORITIES - 1));
  gtk_widget_set_valign (dropdown, GTK_ALIGN_CENTER);
  /* Translators: accessible names of the controls of one VM row */
  a11y = g_strdup_printf (_("Restart priority of “%s”"), vm_name);
  gtk_widget_set_tooltip_text (dropdown, a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return dropdown;
}

GtkWidget *
xp_ha_order_spin_new (const char *vm_name,
                      gint64      value)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (0, 9999, 1);
  g_autofree char *a11y = g_strdup_printf (_("Start order of “%s”"), vm_name);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), (double) value);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (spin, a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return spin;
}
