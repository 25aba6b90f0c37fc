/* xapi-object.c: base class of every cached XenAPI object
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "xapi-object.h"

#include <string.h>
#include "xapi-connection.h"
#include "xapi-json.h"
#include "xapi-marshal.h"

typedef struct
{
  char                *ref;
  char                *class_name;   /* unknown objects only */
  char                *unknown_uuid; /* unknown objects only */
  const XapiClassInfo *info;
  GWeakRef             connection;
  GHashTable          *extra;
  gboolean             gone;
} XapiObjectPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (XapiObject, xapi_object, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_REF,
  PROP_UUID,
  PROP_CLASS_NAME,
  PROP_CONNECTION,
  PROP_GONE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Per generated class: the class info and the param spec of each field. */
typedef struct
{
  const XapiClassInfo *info;
  GParamSpec         **pspecs;
} ClassData;

static GQuark class_data_quark;

/* ---- registry --------------------------------------------------------------- */

typedef struct
{
  GHashTable *by_name;       /* lower-case wire name -> info */
  GHashTable *fields;        /* info -> GHashTable (wire name -> index + 1) */
} Registry;

static Registry *
registry_get (void)
{
  static Registry *registry;

  if (g_once_init_enter (&registry))
    {
      Registry *r = g_new0 (Registry, 1);
      guint n;
      const XapiClassInfo *const *all = xapi_class_info_all (&n);

      r->by_name = g_hash_table_new (g_str_hash, g_str_equal);
      r->fields = g_hash_table_new (g_direct_hash, g_direct_equal);
      for (guint i = 0; i < n; i++)
        {
          GHashTable *f = g_hash_table_new (g_str_hash, g_str_equal);

          g_hash_table_insert (r->by_name, (gpointer) all[i]->lower_name, (gpointer) all[i]);
          for (guint j = 0; j < all[i]->n_fields; j++)
            g_hash_table_insert (f, (gpointer) all[i]->fields[j].wire_name, GUINT_TO_POINTER (j + 1));
          g_hash_table_insert (r->fields, (gpointer) all[i], f);
        }
      g_once_init_leave (&registry, r);
    }
  return registry;
}

const XapiClassInfo *
xapi_class_info_lookup (const char *name)
{
  char buf[64];
  gsize len;

  g_return_val_if_fail (name != NULL, NULL);
  len = strlen (name);
  if (len >= sizeof buf)
    return NULL;
  for (gsize i = 0; i <= len; i++)
    buf[i] = g_ascii_tolower (name[i]);
  return g_hash_table_lookup (registry_get ()->by_name, buf);
}

const XapiClassInfo *
xapi_class_info_for_type (GType type)
{
  ClassData *data;
  guint n;
  const XapiClassInfo *const *all;

  if (class_data_quark != 0 && (data = g_type_get_qdata (type, class_data_quark)) != NULL)
    return data->info;
  all = xapi_class_info_all (&n);
  for (guint i = 0; i < n; i++)
    if (all[i]->get_type () == type)
      return all[i];
  return NULL;
}

int
_xapi_class_info_field_index (const XapiClassInfo *info,
                              const char          *wire_name)
{
  GHashTable *f;

  if (info == NULL || wire_name == NULL)
    return -1;
  f = g_hash_table_lookup (registry_get ()->fields, info);
  if (f == NULL)
    {
      /* A class info that is not in the registry (tests): linear search. */
      for (guint i = 0; i < info->n_fields; i++)
        if (strcmp (info->fields[i].wire_name, wire_name) == 0)
          return (int) i;
      return -1;
    }
  return (int) GPOINTER_TO_UINT (g_hash_table_lookup (f, wire_name)) - 1;
}

const XapiFieldInfo *
xapi_class_info_find_field (const XapiClassInfo *info,
                            const char          *wire_name)
{
  int i = _xapi_class_info_field_index (info, wire_name);

  return i < 0 ? NULL : &info->fields[i];
}

/* ---- generated class support ------------------------------------------------ */

static char *
property_name (const char *wire_name)
{
  char *name = g_ascii_strdown (wire_name, -1);

  g_strdelimit (name, "_", '-');
  if (g_str_equal (name, "ref") || g_str_equal (name, "class-name")
      || g_str_equal (name, "connection") || g_str_equal (name, "gone"))
    {
      char *tmp = g_strconcat (name, "-field", NULL);
      g_free (name);
      name = tmp;
    }
  return name;
}

static void
generated_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ClassData *data = g_type_get_qdata (pspec->owner_type, class_data_quark);
  const XapiFieldInfo *f;
  gpointer slot;

  if (data == NULL || prop_id == 0 || prop_id > data->info->n_fields)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  f = &data->info->fields[prop_id - 1];
  slot = G_STRUCT_MEMBER_P (object, f->offset);
  switch (f->kind)
    {
    case XAPI_FIELD_STRING:
    case XAPI_FIELD_REF:
    case XAPI_FIELD_JSON:
      g_value_set_string (value, *(char **) slot);
      break;
    case XAPI_FIELD_INT:
      g_value_set_int64 (value, *(gint64 *) slot);
      break;
    case XAPI_FIELD_FLOAT:
      g_value_set_double (value, *(double *) slot);
      break;
    case XAPI_FIELD_BOOL:
      g_value_set_boolean (value, *(gboolean *) slot);
      break;
    case XAPI_FIELD_DATETIME:
      g_value_set_boxed (value, *(GDateTime **) slot);
      break;
    case XAPI_FIELD_ENUM:
      g_value_set_enum (value, *(int *) slot);
      break;
    case XAPI_FIELD_STRV:
      g_value_set_boxed (value, _xapi_strv_or_empty (*(char ***) slot));
      break;
    case XAPI_FIELD_MAP:
      g_value_set_boxed (value, _xapi_map_or_empty (*(GHashTable **) slot));
      break;
    default:
      g_assert_not_reached ();
    }
}

void
_xapi_object_class_setup (GObjectClass        *klass,
                          const XapiClassInfo *info)
{
  ClassData *data = g_new0 (ClassData, 1);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  data->info = info;
  data->pspecs = g_new0 (GParamSpec *, info->n_fields + 1);
  klass->get_property = generated_get_property;

  for (guint i = 0; i < info->n_fields; i++)
    {
      const XapiFieldInfo *f = &info->fields[i];
      const char *name;
      GParamSpec *pspec;

      if (g_str_equal (f->wire_name, "uuid") && f->kind == XAPI_FIELD_STRING)
        {
          data->pspecs[i] = properties[PROP_UUID];
          continue;
        }
      /* Property names live as long as the class (forever). */
      {
        g_autofree char *tmp = property_name (f->wire_name);
        name = g_intern_string (tmp);
      }
      switch (f->kind)
        {
        case XAPI_FIELD_STRING:
        case XAPI_FIELD_REF:
        case XAPI_FIELD_JSON:
          pspec = g_param_spec_string (name, NULL, NULL, NULL, flags);
          break;
        case XAPI_FIELD_INT:
          pspec = g_param_spec_int64 (name, NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
          break;
        case XAPI_FIELD_FLOAT:
          pspec = g_param_spec_double (name, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
          break;
        case XAPI_FIELD_BOOL:
          pspec = g_param_spec_boolean (name, NULL, NULL, FALSE, flags);
          break;
        case XAPI_FIELD_DATETIME:
          pspec = g_param_spec_boxed (name, NULL, NULL, G_TYPE_DATE_TIME, flags);
          break;
        case XAPI_FIELD_ENUM:
          pspec = g_param_spec_enum (name, NULL, NULL, f->enum_get_type (), 0, flags);
          break;
        case XAPI_FIELD_STRV:
          pspec = g_param_spec_boxed (name, NULL, NULL, G_TYPE_STRV, flags);
          break;
        case XAPI_FIELD_MAP:
          pspec = g_param_spec_boxed (name, NULL, NULL, G_TYPE_HASH_TABLE, flags);
          break;
        default:
          g_assert_not_reached ();
        }
      g_object_class_install_property (klass, i + 1, pspec);
      data->pspecs[i] = pspec;
    }
  g_type_set_qdata (G_OBJECT_CLASS_TYPE (klass), class_data_quark, data);
}

GParamSpec *
_xapi_object_field_pspec (const XapiClassInfo *info,
                          guint                index)
{
  ClassData *data;

  g_return_val_if_fail (index < info->n_fields, NULL);
  data = g_type_get_qdata (info->get_type (), class_data_quark);
  g_return_val_if_fail (data != NULL, NULL);
  return data->pspecs[index];
}

/* ---- XapiObject ------------------------------------------------------------- */

static void
xapi_object_constructed (GObject *object)
{
  XapiObject *self = XAPI_OBJECT (object);
  XapiObjectPrivate *priv = xapi_object_get_instance_private (self);
  ClassData *data = g_type_get_qdata (G_OBJECT_TYPE (object), class_data_quark);

  G_OBJECT_CLASS (xapi_object_parent_class)->constructed (object);
  priv->info = data ? data->info : NULL;
}

static void
xapi_object_finalize (GObject *object)
{
  XapiObject *self = XAPI_OBJECT (object);
  XapiObjectPrivate *priv = xapi_object_get_instance_private (self);

  if (priv->info)
    for (guint i = 0; i < priv->info->n_fields; i++)
      _xapi_field_clear (G_STRUCT_MEMBER_P (object, priv->info->fields[i].offset),
                         priv->info->fields[i].kind);
  g_free (priv->ref);
  g_free (priv->class_name);
  g_free (priv->unknown_uuid);
  g_weak_ref_clear (&priv->connection);
  g_clear_pointer (&priv->extra, g_hash_table_unref);

  G_OBJECT_CLASS (xapi_object_parent_class)->finalize (object);
}

static void
xapi_object_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  XapiObject *self = XAPI_OBJECT (object);

  switch (prop_id)
    {
    case PROP_REF:
      g_value_set_string (value, xapi_object_get_ref (self));
      break;
    case PROP_UUID:
      g_value_set_string (value, xapi_object_get_uuid (self));
      break;
    case PROP_CLASS_NAME:
      g_value_set_string (value, xapi_object_get_class_name (self));
      break;
    case PROP_CONNECTION:
      g_value_take_object (value, g_weak_ref_get (&((XapiObjectPrivate *) xapi_object_get_instance_private (self))->connection));
      break;
    case PROP_GONE:
      g_value_set_boolean (value, xapi_object_is_gone (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xapi_object_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  XapiObject *self = XAPI_OBJECT (object);
  XapiObjectPrivate *priv = xapi_object_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_REF:
      g_free (priv->ref);
      priv->ref = g_value_dup_string (value);
      break;
    case PROP_CLASS_NAME:
      g_free (priv->class_name);
      priv->class_name = g_value_dup_string (value);
      break;
    case PROP_CONNECTION:
      g_weak_ref_set (&priv->connection, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xapi_object_class_init (XapiObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  class_data_quark = g_quark_from_static_string ("xapi-object-class-data");

  object_class->constructed = xapi_object_constructed;
  object_class->finalize = xapi_object_finalize;
  object_class->get_property = xapi_object_get_property;
  object_class->set_property = xapi_object_set_property;

  properties[PROP_REF] =
    g_param_spec_string ("ref", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UUID] =
    g_param_spec_string ("uuid", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CLASS_NAME] =
    g_param_spec_string ("class-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GONE] =
    g_param_spec_boolean ("gone", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* For the cache: a new object without going through the construct
 * properties (tens of thousands are made at each sync). */
XapiObject *
_xapi_object_new_identified (GType           type,
                             XapiConnection *connection,
                             const char     *ref,
                             const char     *class_name)
{
  XapiObject *self = XAPI_OBJECT (g_object_new_with_properties (type, 0, NULL, NULL));
  XapiObjectPrivate *priv = xapi_object_get_instance_private (self);

  priv->ref = g_strdup (ref);
  if (class_name != NULL)
    priv->class_name = g_strdup (class_name);
  g_weak_ref_set (&priv->connection, connection);
  return self;
}

static void
xapi_object_init (XapiObject *self)
{
  XapiObjectPrivate *priv = xapi_object_get_instance_private (self);

  g_weak_ref_init (&priv->connection, NULL);
}

const char *
xapi_object_get_ref (XapiObject *self)
{
  XapiObjectPrivate *priv;

  g_return_val_if_fail (XAPI_IS_OBJECT (self), NULL);
  priv = xapi_object_get_instance_private (self);
  return priv->ref;
}

const char *
xapi_object_get_uuid (XapiObject *self)
{
  XapiObjectPrivate *priv;
  int i;

  g_return_val_if_fail (XAPI_IS_OBJECT (self), NULL);
  priv = xapi_object_get_instance_private (self);
  if (priv->info == NULL)
    {
      const char *raw = priv->extra ? g_hash_table_lookup (priv->extra, "uuid") : NULL;

      if (raw == NULL)
        return NULL;
      if (priv->unknown_uuid == NULL)
        {
          gsize len = strlen (raw);
          /* raw JSON text: strip the quotes of a plain string */
          if (len >= 2 && raw[0] == '"' && raw[len - 1] == '"' && !memchr (raw + 1, '\\', len - 2))
            priv->unknown_uuid = g_strndup (raw + 1, len - 2);
          else
            priv->unknown_uuid = g_strdup (raw);
        }
      return priv->unknown_uuid;
    }
  i = _xapi_class_info_field_index (priv->info, "uuid");
  if (i < 0 || priv->info->fields[i].kind != XAPI_FIELD_STRING)
    return NULL;
  return *(char **) G_STRUCT_MEMBER_P (self, priv->info->fields[i].offset);
}

const char *
xapi_object_get_class_name (XapiObject *self)
{
  XapiObjectPrivate *priv;

  g_return_val_if_fail (XAPI_IS_OBJECT (self), NULL);
  priv = xapi_object_get_instance_private (self);
  return priv->info ? priv->info->wire_name : priv->class_name;
}

XapiConnection *
xapi_object_get_connection (XapiObject *self)
{
  XapiObjectPrivate *priv;
  GObject *conn;

  g_return_val_if_fail (XAPI_IS_OBJECT (self), NULL);
  priv = xapi_object_get_instance_private (self);
  /* transfer none: the connection owns the cache that owns us */
  conn = g_weak_ref_get (&priv->connection);
  if (conn)
    g_object_unref (conn);
  return (XapiConnection *) conn;
}

gboolean
xapi_object_is_gone (XapiObject *self)
{
  XapiObjectPrivate *priv;

  g_return_val_if_fail (XAPI_IS_OBJECT (self), FALSE);
  priv = xapi_object_get_instance_private (self);
  return priv->gone;
}

void
_xapi_object_set_gone (XapiObject *self)
{
  XapiObjectPrivate *priv;

  g_return_if_fail (XAPI_IS_OBJECT (self));
  priv = xapi_object_get_instance_private (self);
  if (priv->gone)
    return;
  priv->gone = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GONE]);
}

const XapiClassInfo *
xapi_object_get_class_info (XapiObject *self)
{
  XapiObjectPrivate *priv;

  g_return_val_if_fail (XAPI_IS_OBJECT (self), NULL);
  priv = xapi_object_get_instance_private (self);
  return priv->info;
}

GHashTable *
xapi_object_get_extra_fields (XapiObject *self)
{
  XapiObjectPrivate *priv;

  g_return_val_if_fail (XAPI_IS_OBJECT (self), NULL);
  priv = xapi_object_get_instance_private (self);
  return priv->extra;
}

GHashTable *
_xapi_object_ensure_extra (XapiObject *self)
{
  XapiObjectPrivate *priv = xapi_object_get_instance_private (self);

  if (priv->extra == NULL)
    priv->extra = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_clear_pointer (&priv->unknown_uuid, g_free);
  return priv->extra;
}

const XapiFieldInfo *
xapi_object_find_field (XapiObject *self,
                        const char *wire_name)
{
  g_return_val_if_fail (XAPI_IS_OBJECT (self), NULL);
  return xapi_class_info_find_field (xapi_object_get_class_info (self), wire_name);
}

static void
append_map_json (GString    *out,
                 GHashTable *map)
{
  GHashTableIter it;
  gpointer k, v;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  if (map)
    {
      g_hash_table_iter_init (&it, map);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          if (!first)
            g_string_append_c (out, ',');
          first = FALSE;
          xapi_json_append_string (out, k);
          g_string_append_c (out, ':');
          xapi_json_append_string (out, v);
        }
    }
  g_string_append_c (out, '}');
}

char *
xapi_object_dup_field_json (XapiObject *self,
                            const char *wire_name)
{
  XapiObjectPrivate *priv;
  const XapiFieldInfo *f;
  gpointer slot;
  GString *out;

  g_return_val_if_fail (XAPI_IS_OBJECT (self), NULL);
  g_return_val_if_fail (wire_name != NULL, NULL);
  priv = xapi_object_get_instance_private (self);

  /* Extra text wins: it holds what a known field could not represent
   * (unrecognised enum values, values of an unexpected type). */
  if (priv->extra && g_hash_table_contains (priv->extra, wire_name))
    return g_strdup (g_hash_table_lookup (priv->extra, wire_name));
  f = xapi_class_info_find_field (priv->info, wire_name);
  if (f == NULL)
    return NULL;
  slot = G_STRUCT_MEMBER_P (self, f->offset);
  out = g_string_new (NULL);
  switch (f->kind)
    {
    case XAPI_FIELD_STRING:
    case XAPI_FIELD_REF:
      if (*(char **) slot)
        xapi_json_append_string (out, *(char **) slot);
      else
        g_string_append (out, "null");
      break;
    case XAPI_FIELD_JSON:
      g_string_append (out, *(char **) slot ? *(char **) slot : "null");
      break;
    case XAPI_FIELD_INT:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, *(gint64 *) slot);
      break;
    case XAPI_FIELD_FLOAT:
      xapi_json_append_double (out, *(double *) slot);
      break;
    case XAPI_FIELD_BOOL:
      g_string_append (out, *(gboolean *) slot ? "true" : "false");
      break;
    case XAPI_FIELD_DATETIME:
      if (*(GDateTime **) slot)
        {
          g_autofree char *s = xapi_marshal_format_datetime (*(GDateTime **) slot);
          xapi_json_append_string (out, s);
        }
      else
        g_string_append (out, "null");
      break;
    case XAPI_FIELD_ENUM:
      {
        const char *nick = xapi_marshal_enum_to_nick (f->enum_get_type (), *(int *) slot);
        if (nick)
          xapi_json_append_string (out, nick);
        else
          g_string_append (out, "null");
      }
      break;
    case XAPI_FIELD_STRV:
      {
        char **strv = *(char ***) slot;

        g_string_append_c (out, '[');
        for (guint i = 0; strv && strv[i]; i++)
          {
            if (i)
              g_string_append_c (out, ',');
            xapi_json_append_string (out, strv[i]);
          }
        g_string_append_c (out, ']');
      }
      break;
    case XAPI_FIELD_MAP:
      append_map_json (out, *(GHashTable **) slot);
      break;
    default:
      g_assert_not_reached ();
    }
  return g_string_free (out, FALSE);
}

/* ---- XapiUnknownObject -------------------------------------------------------- */

struct _XapiUnknownObject
{
  XapiObject parent_instance;
};

G_DEFINE_FINAL_TYPE (XapiUnknownObject, xapi_unknown_object, XAPI_TYPE_OBJECT)

static void
xapi_unknown_object_class_init (XapiUnknownObjectClass *klass)
{
}

static void
xapi_unknown_object_init (XapiUnknownObject *self)
{
}
