/* sim-statedb.c: load a real xapi state.db XML dump
 *
 * <database><manifest/><table name="VM"><row ref="OpaqueRef:.." name__label=".."/>..
 * Namespaced fields use a double underscore (name__label -> name_label); sets
 * are written ('a' 'b'), maps (('k' 'v') ..), with %_ for a space inside the
 * quotes.  __ctime/__mtime and _ref are bookkeeping.  Fields the dump lacks
 * keep the datamodel defaults.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sim.h"

typedef struct {
  Sim      *sim;
  SimClass *cls;
  guint     rows;
} Loader;

/* Classes whose rows are stale in a dump. */
static const char *skip_classes[] = { "session", "task", "event", "data_source", "user", NULL };

/* Reads a quoted atom starting at *p (which points at '), unescaping. */
static char *
read_atom (const char **p)
{
  GString *s = g_string_new (NULL);
  const char *q = *p + 1;

  while (*q && *q != '\'')
    {
      if (q[0] == '%' && q[1] == '_')
        {
          g_string_append_c (s, ' ');
          q += 2;
        }
      else if (q[0] == '%' && q[1] == '%')
        {
          g_string_append_c (s, '%');
          q += 2;
        }
      else if (q[0] == '\\' && q[1])
        {
          g_string_append_c (s, q[1]);
          q += 2;
        }
      else
        g_string_append_c (s, *q++);
    }
  if (*q == '\'')
    q++;
  *p = q;
  return g_string_free (s, FALSE);
}

static void
skip_ws (const char **p)
{
  while (**p == ' ' || **p == '\t' || **p == '\n')
    (*p)++;
}

/* ('a' 'b') -> ["a","b"]; (('k' 'v')) -> {"k":"v"}; NULL when malformed. */
static JsonNode *
parse_sexpr (const char *text,
             gboolean    map)
{
  const char *p = text;
  JsonNode *out = map ? sv_empty_map () : sv_empty_set ();

  skip_ws (&p);
  if (*p != '(')
    {
      json_node_unref (out);
      return NULL;
    }
  p++;
  for (;;)
    {
      skip_ws (&p);
      if (*p == ')' || *p == '\0')
        break;
      if (map)
        {
          g_autofree char *k = NULL, *v = NULL;
          if (*p != '(')
            break;
          p++;
          skip_ws (&p);
          if (*p != '\'')
            break;
          k = read_atom (&p);
          skip_ws (&p);
          if (*p != '\'')
            break;
          v = read_atom (&p);
          skip_ws (&p);
          if (*p == ')')
            p++;
          json_object_set_string_member (json_node_get_object (out), k, v);
        }
      else
        {
          g_autofree char *e = NULL;
          if (*p != '\'')
            break;
          e = read_atom (&p);
          json_array_add_string_element (json_node_get_array (out), e);
        }
    }
  return out;
}

static JsonNode *
convert (Sim        *sim,
         SimType    *type,
         const char *text)
{
  g_autoptr(JsonNode) raw = NULL;
  char *err = NULL;
  JsonNode *out;

  switch (type->kind)
    {
    case SIM_T_BOOL:
      return sv_bool (strcmp (text, "true") == 0);
    case SIM_T_SET:
      {
        JsonArray *a;
        raw = parse_sexpr (text, FALSE);
        if (raw == NULL)
          return NULL;
        out = sv_empty_set ();
        a = json_node_get_array (raw);
        for (guint i = 0; i < json_array_get_length (a); i++)
          {
            JsonNode *e = sim_coerce (sim->model, type->elem, json_array_get_element (a, i), &err);
            g_clear_pointer (&err, g_free);
            if (e)
              json_array_add_element (json_node_get_array (out), e);
          }
        return out;
      }
    case SIM_T_MAP:
      {
        JsonObjectIter it;
        const char *k;
        JsonNode *v;
        raw = parse_sexpr (text, TRUE);
        if (raw == NULL)
          return NULL;
        out = sv_empty_map ();
        json_object_iter_init_ordered (&it, json_node_get_object (raw));
        while (json_object_iter_next_ordered (&it, &k, &v))
          {
            g_autoptr(JsonNode) kn = sv_str (k);
            g_autoptr(JsonNode) kc = sim_coerce (sim->model, type->key, kn, &err);
            JsonNode *e;
            g_clear_pointer (&err, g_free);
            if (kc == NULL)
              continue;
            e = sim_coerce (sim->model, type->elem, v, &err);
            g_clear_pointer (&err, g_free);
            if (e)
              json_object_set_member (json_node_get_object (out),
                                      json_node_get_value_type (kc) == G_TYPE_STRING ? json_node_get_string (kc) : k, e);
          }
        return out;
      }
    default:
      raw = sv_str (text);
      out = sim_coerce (sim->model, type->kind == SIM_T_OPTION ? type->elem : type, raw, &err);
      g_free (err);
      return out;
    }
}

static void
start_element (GMarkupParseContext *context,
               const char          *element,
               const char         **names,
               const char         **values,
               gpointer             user_data,
               GError             **error)
{
  Loader *l = user_data;
  Sim *sim = l->sim;

  if (strcmp (element, "table") == 0)
    {
      const char *name = NULL;
      for (guint i = 0; names[i]; i++)
        if (strcmp (names[i], "name") == 0)
          name = values[i];
      l->cls = name && !g_strv_contains (skip_classes, name) ? sim_model_class (sim->model, name) : NULL;
      return;
    }
  if (strcmp (element, "row") == 0 && l->cls)
    {
      const char *ref = NULL;
      SimRow *row;

      for (guint i = 0; names[i]; i++)
        if (strcmp (names[i], "ref") == 0 || strcmp (names[i], "_ref") == 0)
          ref = values[i];
      if (ref == NULL)
        return;
      row = sim_db_add (sim, l->cls->name, ref);
      for (guint i = 0; names[i]; i++)
        {
          g_autofree char *fname = NULL;
          SimField *f;
          JsonNode *v;
          char *dd;

          if (names[i][0] == '_' || strcmp (names[i], "ref") == 0)
            continue;
          fname = g_strdup (names[i]);
          while ((dd = strstr (fname, "__")) != NULL)
            memmove (dd, dd + 1, strlen (dd));
          f = sim_class_field (l->cls, fname);
          if (f == NULL)
            continue;
          v = convert (sim, f->type, values[i]);
          if (v == NULL)
            continue;
          /* raw assignment: the dump already holds both sides of relations */
          if (row->v[f->index])
            json_node_unref (row->v[f->index]);
          row->v[f->index] = v;
        }
      sim_db_touch (sim, row);
      l->rows++;
    }
}

void sim_host_addresses_extend (Sim *sim, int n);

/* Older schemas do not store the "many" side of relations: make sure every
 * row is listed in the set of the row it points to. */
static void
complete_relations (Sim *sim)
{
  for (guint c = 0; c < sim->model->classes->len; c++)
    {
      SimClass *cls = sim->model->classes->pdata[c];
      GHashTableIter it;
      gpointer k, v;

      g_hash_table_iter_init (&it, cls->rows);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          SimRow *row = v;
          for (guint i = 0; i < cls->fields->len; i++)
            {
              SimField *f = cls->fields->pdata[i];
              SimRow *t;
              JsonArray *a;
              gboolean found = FALSE;

              if (!f->has_rel || row->v[i] == NULL)
                continue;
              t = sim_db_get (sim, f->rel_class, json_node_get_string (row->v[i]));
              if (t == NULL)
                continue;
              a = json_node_get_array (t->v[f->rel_field]);
              for (guint j = 0; a && j < json_array_get_length (a) && !found; j++)
                found = g_strcmp0 (json_array_get_string_element (a, j), row->ref) == 0;
              if (!found)
                sim_row_set_add_str (sim, t, ((SimField *) f->rel_class->fields->pdata[f->rel_field])->name, row->ref);
            }
        }
    }
}

gboolean
sim_statedb_load (Sim         *sim,
                  const char  *path,
                  GError     **error)
{
  GMarkupParser parser = { start_element, NULL, NULL, NULL, NULL };
  g_autofree char *text = NULL;
  gsize len;
  Loader l = { sim, NULL, 0 };
  GMarkupParseContext *ctx;
  gboolean ok;
  SimClass *hosts;
  SimRow *pool, *master;
  g_autoptr(GPtrArray) rows = NULL;

  if (!g_file_get_contents (path, &text, &len, error))
    return FALSE;
  ctx = g_markup_parse_context_new (&parser, 0, &l, NULL);
  ok = g_markup_parse_context_parse (ctx, text, len, error) && g_markup_parse_context_end_parse (ctx, error);
  g_markup_parse_context_free (ctx);
  if (!ok)
    return FALSE;

  complete_relations (sim);

  /* hosts listen on our loopback addresses; the master first */
  hosts = sim_model_class (sim->model, "host");
  pool = sim_pool (sim);
  master = pool ? sim_row_deref (sim, pool, "master") : NULL;
  rows = sim_rows_array (hosts);
  if (master)
    g_ptr_array_add (sim->hosts, master);
  for (guint i = 0; i < rows->len; i++)
    if (rows->pdata[i] != master)
      g_ptr_array_add (sim->hosts, rows->pdata[i]);
  sim_host_addresses_extend (sim, sim->hosts->len);
  for (guint i = 0; i < sim->hosts->len; i++)
    sim_row_set_str (sim, sim->hosts->pdata[i], "address", sim->host_addrs->pdata[i]);
  if (pool && master == NULL && sim->hosts->len > 0)
    sim_row_set_ref (sim, pool, "master", sim->hosts->pdata[0]);
  return TRUE;
}
