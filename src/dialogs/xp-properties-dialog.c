/* xp-properties-dialog.c: the Properties window of a VM, template, host or SR
 *
 * Like XenCenter's Properties dialog: pages of settings (General; CPUs and
 * memory, boot options and high availability for VMs) with OK and Cancel.
 *
 * Every field keeps the value it had when it was loaded from the object
 * ("orig").  A field whose widget still shows that value is untouched: when
 * the object changes (event.from, through the libxapi cache) the widget
 * follows.  A field the user changed keeps the user's value.  OK is enabled
 * only while every change is valid, and the hint under the pages says why
 * not.  OK applies only the changed fields, each with its own XAPI call(s),
 * one after the other; when a call fails the window stays open and lists
 * what was applied and what was not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "xp-properties-dialog.h"
#include "pages/xp-page-util.h"

#define MIB ((gint64) 1024 * 1024)

typedef enum {
  F_NAME,
  F_DESCRIPTION,
  F_TAGS,
  F_FOLDER,
  F_AUTOSTART,
  F_VCPUS_MAX,
  F_VCPUS_STARTUP,
  F_CORES,
  F_MEM_DMIN,
  F_MEM_DMAX,
  F_MEM_SMAX,
  F_BOOT_ORDER,
  F_PV_ARGS,
  F_HA_PRIORITY,
  F_HA_ORDER,
  N_FIELDS
} FieldId;

/* widget names (tests find widgets by them) and labels (failure reports) */
static const struct {
  const char *name;
  const char *label;
} fields[N_FIELDS] = {
  [F_NAME]          = { "name", N_("Name") },
  [F_DESCRIPTION]   = { "description", N_("Description") },
  [F_TAGS]          = { "tags", N_("Tags") },
  [F_FOLDER]        = { "folder", N_("Folder") },
  [F_AUTOSTART]     = { "autostart", N_("Start automatically") },
  [F_VCPUS_MAX]     = { "vcpus-max", N_("Maximum number of vCPUs") },
  [F_VCPUS_STARTUP] = { "vcpus-startup", N_("vCPUs at startup") },
  [F_CORES]         = { "cores-per-socket", N_("Cores per socket") },
  [F_MEM_DMIN]      = { "memory-dynamic-min", N_("Dynamic minimum") },
  [F_MEM_DMAX]      = { "memory-dynamic-max", N_("Dynamic maximum") },
  [F_MEM_SMAX]      = { "memory-static-max", N_("Static maximum") },
  [F_BOOT_ORDER]    = { "boot-order", N_("Boot order") },
  [F_PV_ARGS]       = { "pv-args", N_("Boot parameters") },
  [F_HA_PRIORITY]   = { "ha-priority", N_("Restart priority") },
  [F_HA_ORDER]      = { "ha-order", N_("Start order") },
};

/* HA restart priorities, in the order of the combo row */
static const char *const ha_priorities[] = { "restart", "best-effort", "" };

/* boot devices of HVM_boot_params:order */
static const struct {
  char        letter;
  const char *label;
} boot_devices[] = {
  { 'c', N_("Hard disk") },
  { 'd', N_("DVD drive") },
  { 'n', N_("Network") },
};

typedef struct {
  char      *method;
  JsonArray *params;
} Step;

typedef struct {
  char      *what;           /* translated, for the report */
  GPtrArray *steps;          /* Step */
  FieldId    ids[3];
  char      *values[3];      /* the values sent, become orig once applied */
  guint      n_ids;
} Change;

struct _XpPropertiesDialog
{
  AdwWindow     parent_instance;

  XapiObject   *object;
  XapiObject   *pool;          /* HA state; may be NULL */
  gulong        object_notify;
  gulong        pool_notify;
  guint         refresh_id;

  GtkWidget    *widgets[N_FIELDS];
  char         *orig[N_FIELDS];
  char         *expected[N_FIELDS];   /* applied, its event not seen yet */

  GtkWidget    *stack;
  GtkWidget    *switcher_title;
  GtkWidget    *ok_button;
  GtkWidget    *cancel_button;
  GtkWidget    *hint_label;
  GtkWidget    *failure_label;
  GtkWidget    *vcpu_group;
  GtkWidget    *memory_group;
  GtkWidget    *ha_group;

  /* apply */
  GCancellable *cancellable;
  GPtrArray    *changes;       /* Change */
  guint         next_change;
  guint         next_step;
  GPtrArray    *applied;       /* char *, translated labels */
  GPtrArray    *failed;        /* char *, "label: reason" */
};

G_DEFINE_FINAL_TYPE (XpPropertiesDialog, xp_properties_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void validate (XpPropertiesDialog *self);

/* ------------------------------------------------------------------------ */
/* Values: every field as a string, from the object and from its widget      */
/* ------------------------------------------------------------------------ */

static const char *
map_lookup (XapiObject *obj,
            const char *map,
            const char *key)
{
  GHashTable *m = xp_field_map (obj, map);
  const char *v = m != NULL ? g_hash_table_lookup (m, key) : NULL;

  return v != NULL ? v : "";
}

static char *
tags_normalize (const char *text)
{
  g_autoptr(JsonNode) node = xp_tags_parse (text);
  JsonArray *a = json_node_get_array (node);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) parts = NULL;

  for (guint i = 0; i < json_array_get_length (a); i++)
    g_strv_builder_add (b, json_array_get_string_element (a, i));
  parts = g_strv_builder_end (b);
  return g_strjoinv (", ", parts);
}

/* XenCenter folder paths: "/Production/Web"; "" when in no folder */
static char *
folder_normalize (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "/", -1);
  GString *path = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_string_append_printf (path, "/%s", parts[i]);
    }
  return g_string_free (path, FALSE);
}

static char *
boot_normalize (const char *order)
{
  GString *s = g_string_new (NULL);

  for (const char *p = order; *p != '\0'; p++)
    {
      char c = g_ascii_tolower (*p);
      if ((c == 'c' || c == 'd' || c == 'n') && strchr (s->str, c) == NULL)
        g_string_append_c (s, c);
    }
  return g_string_free (s, FALSE);
}

static const char *
ha_normalize (const char *priority)
{
  if (g_str_has_prefix (priority, "always_restart") || g_str_equal (priority, "restart"))
    return "restart";
  if (g_str_equal (priority, "best-effort"))
    return "best-effort";
  return "";
}

static char *
from_object (XpPropertiesDialog *self,
             FieldId             id)
{
  XapiObject *o = self->object;

  switch (id)
    {
    case F_NAME:          return g_strdup (xp_field_str (o, "name_label"));
    case F_DESCRIPTION:   return g_strdup (xp_field_str (o, "name_description"));
    case F_TAGS:
      {
        g_autofree char *tags = xp_tags_format (o);
        return tags_normalize (tags);
      }
    case F_FOLDER:        return folder_normalize (map_lookup (o, "other_config", "folder"));
    case F_AUTOSTART:     return g_strdup (g_str_equal (map_lookup (o, "other_config", "auto_poweron"), "true")
                                           ? "true" : "false");
    case F_VCPUS_MAX:     return g_strdup_printf ("%" G_GINT64_FORMAT, xp_field_int (o, "VCPUs_max"));
    case F_VCPUS_STARTUP: return g_strdup_printf ("%" G_GINT64_FORMAT, xp_field_int (o, "VCPUs_at_startup"));
    case F_CORES:
      {
        const char *cores = map_lookup (o, "platform", "cores-per-socket");
        return g_strdup (*cores != '\0' ? cores : "1");
      }
    case F_MEM_DMIN:      return g_strdup_printf ("%" G_GINT64_FORMAT, xp_field_int (o, "memory_dynamic_min") / MIB);
    case F_MEM_DMAX:      return g_strdup_printf ("%" G_GINT64_FORMAT, xp_field_int (o, "memory_dynamic_max") / MIB);
    case F_MEM_SMAX:      return g_strdup_printf ("%" G_GINT64_FORMAT, xp_field_int (o, "memory_static_max") / MIB);
    case F_BOOT_ORDER:
      {
        g_autofree char *order = boot_normalize (map_lookup (o, "HVM_boot_params", "order"));
        /* xapi boots from "cd" when no order is set */
        return *order != '\0' ? g_steal_pointer (&order) : g_strdup ("cd");
      }
    case F_PV_ARGS:       return g_strdup (xp_field_str (o, "PV_args"));
    case F_HA_PRIORITY:   return g_strdup (ha_normalize (xp_field_str (o, "ha_restart_priority")));
    case F_HA_ORDER:      return g_strdup_printf ("%" G_GINT64_FORMAT, xp_field_int (o, "order"));
    case N_FIELDS:
    default:
      break;
    }
  g_return_val_if_reached (NULL);
}

static GtkWidget *
boot_check (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "xp-check");
}

static char *
boot_from_widget (GtkWidget *list)
{
  GString *s = g_string_new (NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (boot_check (row))))
      g_string_append_c (s, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "xp-boot")));
  return g_string_free (s, FALSE);
}

/* NULL when the widget does not hold a valid value (a spin button's text
 * that is not a whole number) */
static char *
from_widget (XpPropertiesDialog *self,
             FieldId             id)
{
  GtkWidget *w = self->widgets[id];

  switch (id)
    {
    case F_NAME:
    case F_DESCRIPTION:
    case F_PV_ARGS:
      return g_strdup (gtk_editable_get_text (GTK_EDITABLE (w)));
    case F_TAGS:
      return tags_normalize (gtk_editable_get_text (GTK_EDITABLE (w)));
    case F_FOLDER:
      return folder_normalize (gtk_editable_get_text (GTK_EDITABLE (w)));
    case F_AUTOSTART:
      return g_strdup (gtk_switch_get_active (GTK_SWITCH (w)) ? "true" : "false");
    case F_VCPUS_MAX:
    case F_VCPUS_STARTUP:
    case F_CORES:
    case F_MEM_DMIN:
    case F_MEM_DMAX:
    case F_MEM_SMAX:
    case F_HA_ORDER:
      {
        /* the text as typed: validation follows the keyboard */
        g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (w))));
        gint64 v;

        if (!g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &v, NULL))
          return NULL;
        return g_strdup_printf ("%" G_GINT64_FORMAT, v);
      }
    case F_BOOT_ORDER:
      return boot_from_widget (w);
    case F_HA_PRIORITY:
      {
        guint i = adw_combo_row_get_selected (ADW_COMBO_ROW (w));
        return g_strdup (i < G_N_ELEMENTS (ha_priorities) ? ha_priorities[i] : "");
      }
    case N_FIELDS:
    default:
      break;
    }
  g_return_val_if_reached (NULL);
}

static void
boot_to_widget (GtkWidget  *list,
                const char *order)
{
  /* the devices of @order first, in that order and checked; then the others */
  GString *sequence = g_string_new (order);

  for (guint i = 0; i < G_N_ELEMENTS (boot_devices); i++)
    if (strchr (order, boot_devices[i].letter) == NULL)
      g_string_append_c (sequence, boot_devices[i].letter);
  for (gsize i = 0; i < sequence->len; i++)
    for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
      if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "xp-boot")) == sequence->str[i])
        {
          g_object_ref (row);
          gtk_list_box_remove (GTK_LIST_BOX (list), row);
          gtk_list_box_append (GTK_LIST_BOX (list), row);
          gtk_check_button_set_active (GTK_CHECK_BUTTON (boot_check (row)), i < strlen (order));
          g_object_unref (row);
          break;
        }
  g_string_free (sequence, TRUE);
}

static void
to_widget (XpPropertiesDialog *self,
           FieldId             id,
           const char         *value)
{
  GtkWidget *w = self->widgets[id];

  switch (id)
    {
    case F_NAME:
    case F_DESCRIPTION:
    case F_PV_ARGS:
    case F_TAGS:
    case F_FOLDER:
      gtk_editable_set_text (GTK_EDITABLE (w), value);
      break;
    case F_AUTOSTART:
      gtk_switch_set_active (GTK_SWITCH (w), g_str_equal (value, "true"));
      break;
    case F_VCPUS_MAX:
    case F_VCPUS_STARTUP:
    case F_CORES:
    case F_MEM_DMIN:
    case F_MEM_DMAX:
    case F_MEM_SMAX:
    case F_HA_ORDER:
      {
        double v = (double) g_ascii_strtoll (value, NULL, 10);
        double lo, hi;

        /* an unusual value must not look like a change */
        gtk_spin_button_get_range (GTK_SPIN_BUTTON (w), &lo, &hi);
        if (v < lo || v > hi)
          gtk_spin_button_set_range (GTK_SPIN_BUTTON (w), MIN (lo, v), MAX (hi, v));
        gtk_spin_button_set_value (GTK_SPIN_BUTTON (w), v);
      }
      break;
    case F_BOOT_ORDER:
      boot_to_widget (w, value);
      break;
    case F_HA_PRIORITY:
      for (guint i = 0; i < G_N_ELEMENTS (ha_priorities); i++)
        if (g_str_equal (value, ha_priorities[i]))
          adw_combo_row_set_selected (ADW_COMBO_ROW (w), i);
      break;
    case N_FIELDS:
    default:
      g_return_if_reached ();
    }
}

static gboolean
changed (XpPropertiesDialog *self,
         FieldId             id)
{
  g_autofree char *value = NULL;

  if (self->widgets[id] == NULL)
    return FALSE;
  value = from_widget (self, id);
  return g_strcmp0 (value, self->orig[id]) != 0;
}

static gint64
widget_int (XpPropertiesDialog *self,
            FieldId             id,
            gboolean           *ok)
{
  g_autofree char *value = from_widget (self, id);

  if (value == NULL)
    {
      *ok = FALSE;
      return 0;
    }
  return g_ascii_strtoll (value, NULL, 10);
}

/* ------------------------------------------------------------------------ */
/* Live state                                                                */
/* ------------------------------------------------------------------------ */

static gboolean
is_halted (XpPropertiesDialog *self)
{
  return g_str_equal (xp_field_enum (self->object, "power_state"), "Halted");
}

static gboolean
ha_enabled (XpPropertiesDialog *self)
{
  return self->pool != NULL && xp_field_bool (self->pool, "ha_enabled");
}

static gboolean
is_busy (XpPropertiesDialog *self)
{
  return self->changes != NULL;
}

static void
update_sensitivity (XpPropertiesDialog *self)
{
  gboolean halted = is_halted (self);

  /* a setting that cannot change now stays editable while it holds a change
   * of the user's, who can then take it back (the hint says why OK is off) */
  if (self->vcpu_group != NULL)
    {
      gtk_widget_set_sensitive (self->vcpu_group, halted || changed (self, F_VCPUS_MAX)
                                || changed (self, F_VCPUS_STARTUP) || changed (self, F_CORES));
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->vcpu_group),
                                             halted ? _("The VM starts with the vCPUs at startup and can use up to the maximum.")
                                                    : _("Shut down the VM to change its vCPUs."));
    }
  if (self->memory_group != NULL)
    {
      g_autofree char *smin = xp_format_bytes (xp_field_int (self->object, "memory_static_min"));
      g_autofree char *text = g_strdup_printf (halted ? _("Static minimum: %s. The memory must satisfy static minimum ≤ dynamic minimum ≤ dynamic maximum ≤ static maximum.")
                                                      : _("Static minimum: %s. The memory must satisfy static minimum ≤ dynamic minimum ≤ dynamic maximum ≤ static maximum. Shut down the VM to change its static maximum."),
                                               smin);
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->memory_group), text);
      gtk_widget_set_sensitive (gtk_widget_get_ancestor (self->widgets[F_MEM_SMAX], ADW_TYPE_ACTION_ROW),
                                halted || changed (self, F_MEM_SMAX));
    }
  if (self->ha_group != NULL)
    {
      gboolean on = ha_enabled (self);
      gtk_widget_set_sensitive (self->widgets[F_HA_PRIORITY], on || changed (self, F_HA_PRIORITY));
      gtk_widget_set_sensitive (gtk_widget_get_ancestor (self->widgets[F_HA_ORDER], ADW_TYPE_ACTION_ROW),
                                on || changed (self, F_HA_ORDER));
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->ha_group),
                                             on ? _("When a server fails, HA restarts its protected VMs, lowest start order first.")
                                                : _("High availability is off for this pool: turn it on to protect this VM."));
    }
}

/* Untouched fields follow the object; touched ones keep the user's value. */
static void
update_title (XpPropertiesDialog *self)
{
  g_autofree char *title = g_strdup_printf (_("“%s” Properties"), xp_object_name (self->object));

  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_view_switcher_title_set_title (ADW_VIEW_SWITCHER_TITLE (self->switcher_title), title);
}

static void
refresh (XpPropertiesDialog *self)
{
  if (xapi_object_is_gone (self->object))
    {
      validate (self);
      return;
    }
  update_title (self);
  for (guint id = 0; id < N_FIELDS; id++)
    {
      g_autofree char *current = NULL;
      g_autofree char *remote = NULL;

      if (self->widgets[id] == NULL)
        continue;
      current = from_widget (self, id);
      remote = from_object (self, id);
      if (self->expected[id] != NULL)
        {
          /* OK wrote this field: until its event arrives the object still
           * has the old value, which is no remote change */
          if (g_strcmp0 (remote, self->expected[id]) != 0)
            continue;
          g_clear_pointer (&self->expected[id], g_free);
        }
      if (g_strcmp0 (current, self->orig[id]) == 0 && g_strcmp0 (remote, self->orig[id]) != 0)
        {
          g_free (self->orig[id]);
          self->orig[id] = g_strdup (remote);
          to_widget (self, id, remote);
        }
    }
  update_sensitivity (self);
  validate (self);
}

static gboolean
refresh_idle_cb (gpointer user_data)
{
  XpPropertiesDialog *self = user_data;

  self->refresh_id = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
object_notify_cb (GObject            *object,
                  GParamSpec         *pspec,
                  XpPropertiesDialog *self)
{
  /* a batch of events changes several properties: one refresh after it */
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, refresh_idle_cb, self, NULL);
}

/* ------------------------------------------------------------------------ */
/* Validation                                                                */
/* ------------------------------------------------------------------------ */

static char *
check_vcpus (XpPropertiesDialog *self)
{
  gboolean ok = TRUE;
  gint64 max, startup, cores;

  if (self->vcpu_group == NULL
      || !(changed (self, F_VCPUS_MAX) || changed (self, F_VCPUS_STARTUP) || changed (self, F_CORES)))
    return NULL;
  max = widget_int (self, F_VCPUS_MAX, &ok);
  startup = widget_int (self, F_VCPUS_STARTUP, &ok);
  cores = widget_int (self, F_CORES, &ok);
  if (!ok)
    return g_strdup (_("Enter whole numbers for the vCPUs."));
  if (!is_halted (self))
    return g_strdup (_("Shut down the VM to change its vCPUs."));
  if (max < 1 || startup < 1 || cores < 1)
    return g_strdup (_("The VM needs at least one vCPU and one core per socket."));
  if (startup > max)
    return g_strdup (_("The vCPUs at startup cannot be more than the maximum number of vCPUs."));
  if (max % cores != 0)
    return g_strdup (_("The maximum number of vCPUs must be a multiple of the cores per socket."));
  return NULL;
}

static char *
check_memory (XpPropertiesDialog *self)
{
  gboolean ok = TRUE;
  gint64 dmin, dmax, smax, smin;

  if (self->memory_group == NULL
      || !(changed (self, F_MEM_DMIN) || changed (self, F_MEM_DMAX) || changed (self, F_MEM_SMAX)))
    return NULL;
  dmin = widget_int (self, F_MEM_DMIN, &ok) * MIB;
  dmax = widget_int (self, F_MEM_DMAX, &ok) * MIB;
  smax = widget_int (self, F_MEM_SMAX, &ok) * MIB;
  smin = xp_field_int (self->object, "memory_static_min");
  if (!ok)
    return g_strdup (_("Enter the memory sizes as whole numbers of MiB."));
  if (changed (self, F_MEM_SMAX) && !is_halted (self))
    return g_strdup (_("Shut down the VM to change its static maximum memory."));
  if (dmin < smin)
    {
      g_autofree char *s = xp_format_bytes (smin);
      return g_strdup_printf (_("The dynamic minimum cannot be less than the static minimum (%s)."), s);
    }
  if (dmin > dmax)
    return g_strdup (_("The dynamic minimum cannot be more than the dynamic maximum."));
  if (dmax > smax)
    return g_strdup (_("The dynamic maximum cannot be more than the static maximum."));
  return NULL;
}

/* Why OK is disabled, or NULL. */
static char *
problem (XpPropertiesDialog *self)
{
  char *reason;

  if (xapi_object_is_gone (self->object))
    return g_strdup (_("This object no longer exists."));
  if (self->widgets[F_NAME] != NULL)
    {
      g_autofree char *name = from_widget (self, F_NAME);
      if (*g_strstrip (name) == '\0')
        return g_strdup (_("Enter a name."));
    }
  if ((reason = check_vcpus (self)) != NULL || (reason = check_memory (self)) != NULL)
    return reason;
  if (changed (self, F_BOOT_ORDER))
    {
      g_autofree char *order = from_widget (self, F_BOOT_ORDER);
      if (*order == '\0')
        return g_strdup (_("Choose at least one boot device."));
    }
  if ((changed (self, F_HA_PRIORITY) || changed (self, F_HA_ORDER)) && !ha_enabled (self))
    return g_strdup (_("High availability is off for this pool: its settings cannot be changed."));
  if (changed (self, F_HA_ORDER))
    {
      gboolean ok = TRUE;
      widget_int (self, F_HA_ORDER, &ok);
      if (!ok)
        return g_strdup (_("Enter the start order as a whole number."));
    }
  return NULL;
}

static void
validate (XpPropertiesDialog *self)
{
  g_autofree char *reason = NULL;

  if (self->ok_button == NULL)
    return;   /* still building */
  reason = problem (self);
  gtk_label_set_text (GTK_LABEL (self->hint_label), reason != NULL ? reason : "");
  gtk_widget_set_visible (self->hint_label, reason != NULL);
  gtk_widget_set_sensitive (self->ok_button, reason == NULL && !is_busy (self));
}

static void
field_changed_cb (XpPropertiesDialog *self)
{
  validate (self);
}

/* ------------------------------------------------------------------------ */
/* Apply                                                                     */
/* ------------------------------------------------------------------------ */

static void
step_free (gpointer data)
{
  Step *s = data;

  g_free (s->method);
  json_array_unref (s->params);
  g_free (s);
}

static void
change_free (gpointer data)
{
  Change *c = data;

  g_free (c->what);
  g_ptr_array_unref (c->steps);
  for (guint i = 0; i < c->n_ids; i++)
    g_free (c->values[i]);
  g_free (c);
}

static Change *
change_new (XpPropertiesDialog *self,
            const char         *what,
            FieldId             id)
{
  Change *c = g_new0 (Change, 1);

  c->what = g_strdup (what);
  c->steps = g_ptr_array_new_with_free_func (step_free);
  g_ptr_array_add (self->changes, c);
  c->ids[0] = id;
  c->values[0] = from_widget (self, id);
  c->n_ids = 1;
  return c;
}

static void
change_also (Change             *c,
             XpPropertiesDialog *self,
             FieldId             id)
{
  g_assert (c->n_ids < G_N_ELEMENTS (c->ids));
  c->ids[c->n_ids] = id;
  c->values[c->n_ids] = from_widget (self, id);
  c->n_ids++;
}

/* A step "<Class>.<message>" on the object; returns its parameters (the ref
 * is there already). */
static JsonArray *
add_step (XpPropertiesDialog *self,
          Change             *c,
          const char         *message)
{
  Step *s = g_new0 (Step, 1);

  s->method = g_strdup_printf ("%s.%s", xapi_object_get_class_name (self->object), message);
  s->params = json_array_new ();
  json_array_add_string_element (s->params, xapi_object_get_ref (self->object));
  g_ptr_array_add (c->steps, s);
  return s->params;
}

static void
add_set_string (XpPropertiesDialog *self,
                FieldId             id,
                const char         *message)
{
  Change *c = change_new (self, _(fields[id].label), id);

  json_array_add_string_element (add_step (self, c, message), c->values[0]);
}

static void
add_set_int (XpPropertiesDialog *self,
             FieldId             id,
             const char         *message)
{
  Change *c = change_new (self, _(fields[id].label), id);

  json_array_add_int_element (add_step (self, c, message), g_ascii_strtoll (c->values[0], NULL, 10));
}

/* One key of a map field: remove it, then add the new value (xapi refuses
 * add_to_ on an existing key); an empty @value only removes. */
static void
add_map_key (XpPropertiesDialog *self,
             FieldId             id,
             const char         *map,
             const char         *key,
             const char         *value)
{
  Change *c = change_new (self, _(fields[id].label), id);
  g_autofree char *remove = g_strdup_printf ("remove_from_%s", map);
  g_autofree char *add = g_strdup_printf ("add_to_%s", map);
  JsonArray *params;

  json_array_add_string_element (add_step (self, c, remove), key);
  if (*value == '\0')
    return;
  params = add_step (self, c, add);
  json_array_add_string_element (params, key);
  json_array_add_string_element (params, value);
}

static void
build_changes (XpPropertiesDialog *self)
{
  gboolean ok = TRUE;

  self->changes = g_ptr_array_new_with_free_func (change_free);
  if (changed (self, F_NAME))
    add_set_string (self, F_NAME, "set_name_label");
  if (changed (self, F_DESCRIPTION))
    add_set_string (self, F_DESCRIPTION, "set_name_description");
  if (changed (self, F_TAGS))
    {
      Change *c = change_new (self, _(fields[F_TAGS].label), F_TAGS);
      json_array_add_element (add_step (self, c, "set_tags"), xp_tags_parse (c->values[0]));
    }
  if (changed (self, F_FOLDER))
    {
      g_autofree char *folder = from_widget (self, F_FOLDER);
      add_map_key (self, F_FOLDER, "other_config", "folder", folder);
    }
  if (changed (self, F_AUTOSTART))
    {
      g_autofree char *on = from_widget (self, F_AUTOSTART);
      add_map_key (self, F_AUTOSTART, "other_config", "auto_poweron", on);
    }
  /* xapi keeps 0 < at_startup <= max after each call: raise the maximum
   * first, lower the startup count first */
  if (changed (self, F_VCPUS_MAX) && changed (self, F_VCPUS_STARTUP)
      && widget_int (self, F_VCPUS_MAX, &ok) < xp_field_int (self->object, "VCPUs_max"))
    {
      add_set_int (self, F_VCPUS_STARTUP, "set_VCPUs_at_startup");
      add_set_int (self, F_VCPUS_MAX, "set_VCPUs_max");
    }
  else
    {
      if (changed (self, F_VCPUS_MAX))
        add_set_int (self, F_VCPUS_MAX, "set_VCPUs_max");
      if (changed (self, F_VCPUS_STARTUP))
        add_set_int (self, F_VCPUS_STARTUP, "set_VCPUs_at_startup");
    }
  if (changed (self, F_CORES))
    {
      g_autofree char *cores = from_widget (self, F_CORES);
      add_map_key (self, F_CORES, "platform", "cores-per-socket", cores);
    }
  if (changed (self, F_MEM_DMIN) || changed (self, F_MEM_DMAX) || changed (self, F_MEM_SMAX))
    {
      Change *c = change_new (self, _("Memory"), F_MEM_DMIN);
      Step *s = g_new0 (Step, 1);

      change_also (c, self, F_MEM_DMAX);
      change_also (c, self, F_MEM_SMAX);
      s->params = json_array_new ();
      s->method = g_strdup (xp_memory_call (self->object, xp_field_int (self->object, "memory_static_min"),
                                            widget_int (self, F_MEM_SMAX, &ok) * MIB,
                                            widget_int (self, F_MEM_DMIN, &ok) * MIB,
                                            widget_int (self, F_MEM_DMAX, &ok) * MIB, s->params));
      g_ptr_array_add (c->steps, s);
    }
  if (changed (self, F_BOOT_ORDER))
    {
      g_autofree char *order = from_widget (self, F_BOOT_ORDER);
      add_map_key (self, F_BOOT_ORDER, "HVM_boot_params", "order", order);
    }
  if (changed (self, F_PV_ARGS))
    add_set_string (self, F_PV_ARGS, "set_PV_args");
  if (changed (self, F_HA_PRIORITY))
    add_set_string (self, F_HA_PRIORITY, "set_ha_restart_priority");
  if (changed (self, F_HA_ORDER))
    add_set_int (self, F_HA_ORDER, "set_order");
}

static void
set_busy (XpPropertiesDialog *self,
          gboolean            busy)
{
  gtk_widget_set_sensitive (self->stack, !busy);
  gtk_widget_set_sensitive (self->cancel_button, !busy);
  validate (self);
}

static void
finish (XpPropertiesDialog *self)
{
  gboolean all = self->failed->len == 0;

  g_clear_pointer (&self->changes, g_ptr_array_unref);
  set_busy (self, FALSE);
  if (!all)
    {
      GString *text = g_string_new (NULL);

      g_ptr_array_add (self->applied, NULL);
      g_ptr_array_add (self->failed, NULL);
      if (self->applied->len > 1)
        {
          g_autofree char *list = g_strjoinv (", ", (char **) self->applied->pdata);
          g_string_append_printf (text, _("Applied: %s."), list);
        }
      else
        g_string_append (text, _("No change was applied."));
      g_string_append_c (text, '\n');
      {
        g_autofree char *list = g_strjoinv ("\n", (char **) self->failed->pdata);
        g_string_append_printf (text, _("Not applied:\n%s"), list);
      }
      gtk_label_set_text (GTK_LABEL (self->failure_label), text->str);
      gtk_widget_set_visible (self->failure_label, TRUE);
      g_string_free (text, TRUE);
    }
  g_clear_pointer (&self->applied, g_ptr_array_unref);
  g_clear_pointer (&self->failed, g_ptr_array_unref);
  /* events that arrived meanwhile, for the fields that are untouched now */
  refresh (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, all);
  if (all)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void run_next (XpPropertiesDialog *self);

static void
step_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(XpPropertiesDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);

  if (node != NULL)
    json_node_unref (node);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the window is gone */
  if (error != NULL)
    {
      Change *c = g_ptr_array_index (self->changes, self->next_change);
      g_autofree char *sentence = xp_describe_error (error);

      /* the rest of this change is skipped; the other changes go on */
      g_ptr_array_add (self->failed, g_strdup_printf (_("%s: %s"), c->what, sentence));
      self->next_change++;
      self->next_step = 0;
    }
  else
    self->next_step++;
  run_next (self);
}

static void
run_next (XpPropertiesDialog *self)
{
  XapiConnection *conn = xapi_object_get_connection (self->object);

  while (self->next_change < self->changes->len)
    {
      Change *c = g_ptr_array_index (self->changes, self->next_change);

      if (self->next_step < c->steps->len)
        {
          Step *s = g_ptr_array_index (c->steps, self->next_step);

          if (conn == NULL)
            {
              g_ptr_array_add (self->failed, g_strdup_printf (_("%s: %s"), c->what, _("Not connected")));
              self->next_change++;
              self->next_step = 0;
              continue;
            }
          xapi_connection_call_async (conn, s->method, json_array_ref (s->params), self->cancellable,
                                      step_done_cb, g_object_ref (self));
          return;
        }
      /* applied: the values sent are the values loaded now */
      for (guint i = 0; i < c->n_ids; i++)
        {
          g_free (self->orig[c->ids[i]]);
          self->orig[c->ids[i]] = g_strdup (c->values[i]);
          g_free (self->expected[c->ids[i]]);
          self->expected[c->ids[i]] = g_strdup (c->values[i]);
        }
      g_ptr_array_add (self->applied, g_strdup (c->what));
      self->next_change++;
      self->next_step = 0;
    }
  finish (self);
}

static void
ok_clicked_cb (XpPropertiesDialog *self)
{
  g_autofree char *reason = problem (self);

  if (reason != NULL || is_busy (self))
    return;
  gtk_widget_set_visible (self->failure_label, FALSE);
  build_changes (self);
  self->next_change = 0;
  self->next_step = 0;
  self->applied = g_ptr_array_new_with_free_func (g_free);
  self->failed = g_ptr_array_new_with_free_func (g_free);
  set_busy (self, TRUE);
  run_next (self);
}

static gboolean
escape_cb (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  XpPropertiesDialog *self = XP_PROPERTIES_DIALOG (widget);

  if (!is_busy (self))
    gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Widgets                                                                   */
/* ------------------------------------------------------------------------ */

static void
take_field (XpPropertiesDialog *self,
            FieldId             id,
            GtkWidget          *widget)
{
  self->widgets[id] = widget;
  gtk_widget_set_name (widget, fields[id].name);
  self->orig[id] = from_object (self, id);
  to_widget (self, id, self->orig[id]);
}

static GtkWidget *
group_new (GtkWidget  *page,
           const char *title,
           const char *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  return group;
}

static void
entry_field (XpPropertiesDialog *self,
             GtkWidget          *group,
             FieldId             id,
             const char         *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  take_field (self, id, row);
  g_signal_connect_swapped (row, "changed", G_CALLBACK (field_changed_cb), self);
}

/* Enter in a spin button: OK (GtkSpinButton has no activates-default nor
 * "activate" in GTK 4.8) */
static gboolean
spin_enter_cb (GtkWidget *spin,
               GVariant  *args,
               gpointer   user_data)
{
  gtk_spin_button_update (GTK_SPIN_BUTTON (spin));
  return gtk_widget_activate_action (spin, "default.activate", NULL);
}

static void
spin_field (XpPropertiesDialog *self,
            GtkWidget          *group,
            FieldId             id,
            const char         *subtitle,
            double              max,
            const char         *unit)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (id == F_HA_ORDER ? 0 : 1, max, 1);
  const char *title = _(fields[id].label);
  g_autofree char *label = unit != NULL ? g_strdup_printf (_("%s in %s"), title, unit) : g_strdup (title);
  GtkEventController *enter;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  enter = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (enter, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (enter),
                                        gtk_shortcut_new (gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Return, 0),
                                                                                       gtk_keyval_trigger_new (GDK_KEY_KP_Enter, 0)),
                                                          gtk_callback_action_new (spin_enter_cb, NULL, NULL)));
  gtk_widget_add_controller (spin, enter);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  if (unit != NULL)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_label_new (unit));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  take_field (self, id, spin);
  g_signal_connect_swapped (spin, "changed", G_CALLBACK (field_changed_cb), self);
  g_signal_connect_swapped (spin, "value-changed", G_CALLBACK (field_changed_cb), self);
}

static void
general_page (XpPropertiesDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group = group_new (page, _("General"), NULL);
  XpKind kind = xp_object_kind (self->object);

  entry_field (self, group, F_NAME, _("_Name"));
  entry_field (self, group, F_DESCRIPTION, _("_Description"));
  entry_field (self, group, F_TAGS, _("_Tags (separated by commas)"));
  entry_field (self, group, F_FOLDER, _("_Folder (a path such as /Production/Web)"));
  if (kind == XP_KIND_VM)
    {
      GtkWidget *start = group_new (page, _("Start-up"), NULL);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *sw = gtk_switch_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Start _automatically"));
      adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Start this VM when its pool starts up"));
      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _(fields[F_AUTOSTART].label), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (start), row);
      take_field (self, F_AUTOSTART, sw);
      g_signal_connect_swapped (sw, "notify::active", G_CALLBACK (field_changed_cb), self);
    }
  adw_view_stack_page_set_icon_name (adw_view_stack_add_titled (ADW_VIEW_STACK (self->stack), page, "general", _("General")),
                                     "document-properties-symbolic");
}

static void
cpu_memory_page (XpPropertiesDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();

  self->vcpu_group = group_new (page, _("vCPUs"), NULL);
  spin_field (self, self->vcpu_group, F_VCPUS_MAX, NULL, 256, NULL);
  spin_field (self, self->vcpu_group, F_VCPUS_STARTUP, NULL, 256, NULL);
  spin_field (self, self->vcpu_group, F_CORES, _("The vCPUs are presented to the guest as sockets of this many cores"),
              64, NULL);
  self->memory_group = group_new (page, _("Memory"), NULL);
  spin_field (self, self->memory_group, F_MEM_DMIN, NULL, 4.0 * 1024 * 1024, _("MiB"));
  spin_field (self, self->memory_group, F_MEM_DMAX, NULL, 4.0 * 1024 * 1024, _("MiB"));
  spin_field (self, self->memory_group, F_MEM_SMAX, NULL, 4.0 * 1024 * 1024, _("MiB"));
  adw_view_stack_page_set_icon_name (adw_view_stack_add_titled (ADW_VIEW_STACK (self->stack), page, "cpu-memory", _("CPUs and Memory")),
                                     "system-run-symbolic");
}

static void
boot_move_cb (GtkButton          *button,
              XpPropertiesDialog *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);
  GtkListBox *list = GTK_LIST_BOX (gtk_widget_get_parent (row));
  int delta = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "xp-delta"));
  int index = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)) + delta;

  if (index < 0 || gtk_list_box_get_row_at_index (list, index) == NULL)
    return;
  g_object_ref (row);
  gtk_list_box_remove (list, row);
  gtk_list_box_insert (list, row, index);
  g_object_unref (row);
  gtk_widget_grab_focus (GTK_WIDGET (button));
  validate (self);
}

static GtkWidget *
boot_button (XpPropertiesDialog *self,
             const char         *icon,
             const char         *label,
             const char         *check_name,
             int                 delta)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);
  g_autofree char *name = g_strdup_printf ("%s-%s", check_name, delta < 0 ? "up" : "down");

  gtk_widget_set_name (button, name);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data (G_OBJECT (button), "xp-delta", GINT_TO_POINTER (delta));
  g_signal_connect (button, "clicked", G_CALLBACK (boot_move_cb), self);
  return button;
}

static void
boot_page (XpPropertiesDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  gboolean hvm = *xp_field_str (self->object, "HVM_boot_policy") != '\0';

  if (hvm)
    {
      GtkWidget *group = group_new (page, _("Boot order"),
                                    _("The VM tries the checked devices, from top to bottom."));
      GtkWidget *list = gtk_list_box_new ();

      gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
      gtk_widget_add_css_class (list, "boxed-list");
      gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _(fields[F_BOOT_ORDER].label), -1);
      for (guint i = 0; i < G_N_ELEMENTS (boot_devices); i++)
        {
          const char *device = _(boot_devices[i].label);
          GtkWidget *row = adw_action_row_new ();
          GtkWidget *check = gtk_check_button_new ();
          g_autofree char *label = g_strdup_printf (_("Boot from %s"), device);
          g_autofree char *name = g_strdup_printf ("boot-%c", boot_devices[i].letter);
          g_autofree char *up = g_strdup_printf (_("Move %s up"), device);
          g_autofree char *down = g_strdup_printf (_("Move %s down"), device);

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), device);
          gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
          gtk_widget_set_name (check, name);
          g_object_set_data (G_OBJECT (row), "xp-boot", GINT_TO_POINTER (boot_devices[i].letter));
          g_object_set_data (G_OBJECT (row), "xp-check", check);
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), boot_button (self, "go-up-symbolic", up, name, -1));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), boot_button (self, "go-down-symbolic", down, name, 1));
          gtk_list_box_append (GTK_LIST_BOX (list), row);
          g_signal_connect_swapped (check, "toggled", G_CALLBACK (field_changed_cb), self);
        }
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);
      take_field (self, F_BOOT_ORDER, list);
    }
  else
    {
      GtkWidget *group = group_new (page, _("Boot options"), _("Kernel command line of this paravirtualized VM."));
      entry_field (self, group, F_PV_ARGS, _("Boot _parameters"));
    }
  adw_view_stack_page_set_icon_name (adw_view_stack_add_titled (ADW_VIEW_STACK (self->stack), page, "boot", _("Boot Options")),
                                     "media-playlist-consecutive-symbolic");
}

static void
ha_page (XpPropertiesDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *combo = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  self->ha_group = group_new (page, _("High availability"), NULL);
  gtk_string_list_append (model, _("Restart"));
  gtk_string_list_append (model, _("Restart if possible"));
  gtk_string_list_append (model, _("Do not restart"));
  adw_combo_row_set_model (ADW_COMBO_ROW (combo), G_LIST_MODEL (model));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (combo), _("_Restart priority"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (combo), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->ha_group), combo);
  take_field (self, F_HA_PRIORITY, combo);
  g_signal_connect_swapped (combo, "notify::selected", G_CALLBACK (field_changed_cb), self);
  spin_field (self, self->ha_group, F_HA_ORDER, _("VMs with a lower start order are restarted first"),
              9999, NULL);
  adw_view_stack_page_set_icon_name (adw_view_stack_add_titled (ADW_VIEW_STACK (self->stack), page, "ha", _("High Availability")),
                                     "security-high-symbolic");
}

static void
build (XpPropertiesDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *title = adw_view_switcher_title_new ();
  GtkWidget *bar = adw_view_switcher_bar_new ();
  GtkWidget *status = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  XpKind kind = xp_object_kind (self->object);
  GtkEventController *keys;

  self->switcher_title = title;
  update_title (self);
  gtk_window_set_default_size (GTK_WINDOW (self), 640, 640);

  self->stack = adw_view_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  general_page (self);
  if (kind == XP_KIND_VM || kind == XP_KIND_TEMPLATE)
    {
      cpu_memory_page (self);
      boot_page (self);
    }
  if (kind == XP_KIND_VM)
    ha_page (self);

  adw_view_switcher_title_set_stack (ADW_VIEW_SWITCHER_TITLE (title), ADW_VIEW_STACK (self->stack));
  adw_view_switcher_title_set_view_switcher_enabled (ADW_VIEW_SWITCHER_TITLE (title),
                                                     kind == XP_KIND_VM || kind == XP_KIND_TEMPLATE);
  adw_view_switcher_bar_set_stack (ADW_VIEW_SWITCHER_BAR (bar), ADW_VIEW_STACK (self->stack));
  g_object_bind_property (title, "title-visible", bar, "reveal", G_BINDING_SYNC_CREATE);

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  self->cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_widget_set_name (self->cancel_button, "cancel-button");
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (gtk_window_close), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->cancel_button);
  self->ok_button = gtk_button_new_with_mnemonic (_("_OK"));
  gtk_widget_set_name (self->ok_button, "ok-button");
  gtk_widget_add_css_class (self->ok_button, "suggested-action");
  g_signal_connect_swapped (self->ok_button, "clicked", G_CALLBACK (ok_clicked_cb), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->ok_button);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->ok_button);

  /* why OK is disabled, and what a failed OK did and did not apply */
  self->failure_label = gtk_label_new (NULL);
  gtk_widget_set_name (self->failure_label, "failure-label");
  gtk_widget_add_css_class (self->failure_label, "error");
  self->hint_label = gtk_label_new (NULL);
  gtk_widget_set_name (self->hint_label, "hint-label");
  gtk_widget_add_css_class (self->hint_label, "dim-label");
  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *l = i == 0 ? self->failure_label : self->hint_label;

      gtk_label_set_wrap (GTK_LABEL (l), TRUE);
      gtk_label_set_xalign (GTK_LABEL (l), 0);
      gtk_label_set_selectable (GTK_LABEL (l), TRUE);
      gtk_widget_set_visible (l, FALSE);
      gtk_box_append (GTK_BOX (status), l);
    }
  gtk_widget_set_margin_start (status, 12);
  gtk_widget_set_margin_end (status, 12);
  gtk_widget_set_margin_top (status, 6);
  gtk_widget_set_margin_bottom (status, 6);

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), self->stack);
  gtk_box_append (GTK_BOX (box), status);
  gtk_box_append (GTK_BOX (box), bar);
  adw_window_set_content (ADW_WINDOW (self), box);

  keys = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_callback_action_new (escape_cb, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  update_sensitivity (self);
  validate (self);
}

/* ------------------------------------------------------------------------ */

static void
xp_properties_dialog_dispose (GObject *object)
{
  XpPropertiesDialog *self = XP_PROPERTIES_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->object != NULL)
    {
      g_clear_signal_handler (&self->object_notify, self->object);
      if (g_object_get_data (G_OBJECT (self->object), "xp-properties-dialog") == self)
        g_object_set_data (G_OBJECT (self->object), "xp-properties-dialog", NULL);
    }
  if (self->pool != NULL)
    g_clear_signal_handler (&self->pool_notify, self->pool);
  g_clear_object (&self->object);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (xp_properties_dialog_parent_class)->dispose (object);
}

static void
xp_properties_dialog_finalize (GObject *object)
{
  XpPropertiesDialog *self = XP_PROPERTIES_DIALOG (object);

  for (guint i = 0; i < N_FIELDS; i++)
    {
      g_free (self->orig[i]);
      g_free (self->expected[i]);
    }
  g_clear_pointer (&self->changes, g_ptr_array_unref);
  g_clear_pointer (&self->applied, g_ptr_array_unref);
  g_clear_pointer (&self->failed, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (xp_properties_dialog_parent_class)->finalize (object);
}

static void
xp_properties_dialog_class_init (XpPropertiesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_properties_dialog_dispose;
  object_class->finalize = xp_properties_dialog_finalize;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
xp_properties_dialog_init (XpPropertiesDialog *self)
{
  self->cancellable = g_cancellable_new ();
}

gboolean
xp_properties_dialog_supports (XapiObject *object)
{
  return object != NULL
         && (xp_object_kind (object) & (XP_KIND_VM | XP_KIND_TEMPLATE | XP_KIND_HOST | XP_KIND_SR)) != 0;
}

GtkWindow *
xp_properties_dialog_new (GtkWindow  *parent,
                          XapiObject *object)
{
  XpPropertiesDialog *self;
  XapiCache *cache;

  g_return_val_if_fail (xp_properties_dialog_supports (object), NULL);

  self = g_object_new (XP_TYPE_PROPERTIES_DIALOG,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->object = g_object_ref (object);
  cache = xp_object_cache (object);
  if (cache != NULL && xapi_cache_get_pool (cache) != NULL)
    self->pool = g_object_ref (xapi_cache_get_pool (cache));
  build (self);
  self->object_notify = g_signal_connect (object, "notify", G_CALLBACK (object_notify_cb), self);
  if (self->pool != NULL)
    self->pool_notify = g_signal_connect (self->pool, "notify", G_CALLBACK (object_notify_cb), self);
  g_object_set_data (G_OBJECT (object), "xp-properties-dialog", self);
  return GTK_WINDOW (self);
}

GtkWindow *
xp_properties_dialog_present (GtkWindow  *parent,
                              XapiObject *object)
{
  GtkWindow *window = g_object_get_data (G_OBJECT (object), "xp-properties-dialog");

  if (window == NULL)
    window = xp_properties_dialog_new (parent, object);
  gtk_window_present (window);
  return window;
}
