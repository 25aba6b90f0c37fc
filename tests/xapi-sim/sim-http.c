/* sim-http.c: HTTP side channels (/rrd_updates, /export, /import)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

/* ---------------------------------------------------------------- helpers */

/* Every value of a repeatable query parameter. */
static GPtrArray *
query_all (SoupServerMessage *msg,
           const char        *name)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *q = g_uri_get_query (uri);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = q ? g_strsplit (q, "&", -1) : NULL;

  for (guint i = 0; parts && parts[i]; i++)
    {
      char *eq = strchr (parts[i], '=');
      g_autofree char *k = NULL;
      if (eq == NULL)
        {
          if (strcmp (parts[i], name) == 0)
            g_ptr_array_add (out, g_strdup (""));
          continue;
        }
      k = g_uri_unescape_segment (parts[i], eq, NULL);
      if (k && strcmp (k, name) == 0)
        g_ptr_array_add (out, g_uri_unescape_string (eq + 1, NULL));
    }
  return out;
}

static char *
query_one (SoupServerMessage *msg,
           const char        *name)
{
  g_autoptr(GPtrArray) all = query_all (msg, name);
  return all->len ? g_strdup (all->pdata[all->len - 1]) : NULL;
}

static char *
cookie_value (SoupServerMessage *msg,
              const char        *name)
{
  const char *c = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Cookie");
  g_auto(GStrv) parts = c ? g_strsplit (c, ";", -1) : NULL;

  for (guint i = 0; parts && parts[i]; i++)
    {
      char *p = g_strstrip (parts[i]);
      if (g_str_has_prefix (p, name) && p[strlen (name)] == '=')
        return g_strdup (p + strlen (name) + 1);
    }
  return NULL;
}

/* session_id from the cookie or the query, or Basic auth; NULL and a 401
 * reply when missing. */
static SimRow *
http_session (Sim               *sim,
              SoupServerMessage *msg)
{
  g_autofree char *sid = cookie_value (msg, "session_id");
  SimRow *s;

  if (sid == NULL)
    sid = query_one (msg, "session_id");
  s = sid ? sim_session_get (sim, sid) : NULL;
  if (s == NULL)
    {
      const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
      if (auth && g_str_has_prefix (auth, "Basic "))
        {
          gsize len;
          g_autofree guchar *dec = g_base64_decode (auth + 6, &len);
          g_autofree char *up = g_strndup ((char *) dec, len);
          char *colon = strchr (up, ':');
          if (colon)
            {
              *colon = '\0';
              if (strcmp (up, sim->user) == 0 && (sim->password == NULL || strcmp (colon + 1, sim->password) == 0))
                {
                  s = sim_db_add (sim, "session", NULL);
                  sim_row_set_bool (sim, s, "is_local_superuser", TRUE);
                  sim_row_set_str (sim, s, "auth_user_name", up);
                }
            }
        }
    }
  if (s == NULL)
    {
      soup_server_message_set_status (msg, 401, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "WWW-Authenticate",
                                    "Basic realm=\"xapi\"");
    }
  return s;
}

static SimRow *
task_for (Sim               *sim,
          SoupServerMessage *msg,
          const char        *label,
          int                host)
{
  g_autofree char *tid = query_one (msg, "task_id");
  SimRow *t = NULL;

  if (tid == NULL)
    tid = cookie_value (msg, "task_id");
  if (tid)
    t = sim_db_get (sim, sim_model_class (sim->model, "task"), tid);
  if (t == NULL)
    t = sim_task_new (sim, label, host);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "task-id", t->ref);
  return t;
}

static SimRow *
vm_of_query (Sim               *sim,
             SoupServerMessage *msg)
{
  g_autofree char *ref = query_one (msg, "ref");
  g_autofree char *uuid = query_one (msg, "uuid");
  SimClass *vms = sim_model_class (sim->model, "VM");

  if (ref)
    return sim_db_get (sim, vms, ref);
  if (uuid)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, vms->rows);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (strcmp (sim_row_str (v, "uuid"), uuid) == 0)
          return v;
    }
  return NULL;
}

/* ---------------------------------------------------------------- rrd */

static double
series (const char *uuid,
        const char *ds,
        gint64      t,
        double      base,
        double      amp)
{
  guint h = g_str_hash (uuid) ^ (g_str_hash (ds) * 31);
  double phase = (h % 1000) / 1000.0 * 6.283;
  return base + amp * (0.5 + 0.5 * sin (t / 300.0 + phase)) * (0.8 + 0.2 * ((h >> 10) % 100) / 100.0);
}

typedef struct {
  char   *legend;
  char   *uuid;
  char   *ds;
  double  base, amp;
} Column;

static void
column_free (gpointer p)
{
  Column *c = p;
  g_free (c->legend);
  g_free (c->uuid);
  g_free (c->ds);
  g_free (c);
}

static void
add_col (GPtrArray  *cols,
         const char *cf,
         const char *kind,
         const char *uuid,
         const char *ds,
         double      base,
         double      amp)
{
  Column *c = g_new0 (Column, 1);
  c->legend = g_strdup_printf ("%s:%s:%s:%s", cf, kind, uuid, ds);
  c->uuid = g_strdup (uuid);
  c->ds = g_strdup (ds);
  c->base = base;
  c->amp = amp;
  g_ptr_array_add (cols, c);
}

static void
append_value (GString *out,
              double   v)
{
  char buf[64];
  if (v == 0.0)
    g_string_append (out, "0.0");
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%0.15g", v));
}

static void
handle_rrd_updates (Sim               *sim,
                    SoupServerMessage *msg,
                    int                host_index)
{
  g_autofree char *start_s = query_one (msg, "start");
  g_autofree char *cf_s = query_one (msg, "cf");
  g_autofree char *interval_s = query_one (msg, "interval");
  g_autofree char *host_s = query_one (msg, "host");
  g_autofree char *json_s = query_one (msg, "json");
  g_autoptr(GPtrArray) vm_uuids = query_all (msg, "vm_uuid");
  g_autoptr(GPtrArray) cols = g_ptr_array_new_with_free_func (column_free);
  const char *accept = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Accept");
  SimRow *host = sim->hosts->pdata[host_index];
  const char *cf = cf_s && (!strcmp (cf_s, "AVERAGE") || !strcmp (cf_s, "MIN") || !strcmp (cf_s, "MAX")
                            || !strcmp (cf_s, "LAST")) ? cf_s : "AVERAGE";
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 start, step, end, rows;
  gboolean json;
  GString *out;

  if (http_session (sim, msg) == NULL)
    return;
  if (start_s == NULL)
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  start = g_ascii_strtoll (start_s, NULL, 10);
  if (start < 0)
    start = now + start;
  step = interval_s && g_ascii_strtoll (interval_s, NULL, 10) >= 60 ? 60 : 5;
  end = now - now % step;
  rows = CLAMP ((end - start) / step, 1, 120);
  json = accept ? (strstr (accept, "application/json") != NULL || strstr (accept, "*/*") != NULL)
                  && strstr (accept, "text/xml") == NULL
                : json_s != NULL;

  if (host_s && strcmp (host_s, "true") == 0)
    {
      const char *hu = sim_row_str (host, "uuid");
      JsonArray *cpus = json_node_get_array (sim_row_value (host, "host_CPUs"));
      SimRow *m = sim_row_deref (sim, host, "metrics");
      double total = m ? sim_row_int (m, "memory_total") / 1024.0 : 0;
      for (guint i = 0; i < MIN (json_array_get_length (cpus), 8u); i++)
        {
          g_autofree char *ds = g_strdup_printf ("cpu%u", i);
          add_col (cols, cf, "host", hu, ds, 0.02, 0.3);
        }
      add_col (cols, cf, "host", hu, "cpu_avg", 0.05, 0.25);
      add_col (cols, cf, "host", hu, "memory_total_kib", total, 0);
      add_col (cols, cf, "host", hu, "memory_free_kib", total * 0.4, total * 0.2);
      add_col (cols, cf, "host", hu, "loadavg", 0.2, 1.5);
      add_col (cols, cf, "host", hu, "pif_eth0_rx", 1e4, 5e6);
      add_col (cols, cf, "host", hu, "pif_eth0_tx", 1e4, 2e6);
    }
  {
    JsonArray *res = json_node_get_array (sim_row_value (host, "resident_VMs"));
    for (guint i = 0; i < json_array_get_length (res); i++)
      {
        SimRow *vm = sim_db_find (sim, json_array_get_string_element (res, i));
        const char *vu;
        if (vm == NULL || (vm_uuids->len == 0 && sim_row_bool (vm, "is_control_domain")))
          continue;
        vu = sim_row_str (vm, "uuid");
        if (vm_uuids->len && !g_ptr_array_find_with_equal_func (vm_uuids, vu, g_str_equal, NULL))
          continue;
        for (gint64 c = 0; c < MIN (sim_row_int (vm, "VCPUs_at_startup"), 8); c++)
          {
            g_autofree char *ds = g_strdup_printf ("cpu%" G_GINT64_FORMAT, c);
            add_col (cols, cf, "vm", vu, ds, 0.01, 0.6);
          }
        add_col (cols, cf, "vm", vu, "memory", (double) sim_row_int (vm, "memory_dynamic_max"), 0);
        add_col (cols, cf, "vm", vu, "memory_internal_free", sim_row_int (vm, "memory_dynamic_max") / 1024.0 * 0.3,
                 sim_row_int (vm, "memory_dynamic_max") / 1024.0 * 0.2);
        add_col (cols, cf, "vm", vu, "vif_0_rx", 100, 2e5);
        add_col (cols, cf, "vm", vu, "vif_0_tx", 100, 1e5);
        add_col (cols, cf, "vm", vu, "vbd_xvda_read", 0, 4e6);
        add_col (cols, cf, "vm", vu, "vbd_xvda_write", 0, 2e6);
      }
  }

  out = g_string_sized_new (4096);
  if (json)
    {
      g_string_append_printf (out, "{\"meta\":{\"start\":\"%" G_GINT64_FORMAT "\",\"step\":\"%" G_GINT64_FORMAT
                              "\",\"end\":\"%" G_GINT64_FORMAT "\",\"rows\":\"%" G_GINT64_FORMAT
                              "\",\"columns\":\"%u\",\"legend\":[", end - (rows - 1) * step, step, end, rows, cols->len);
      for (guint i = 0; i < cols->len; i++)
        {
          if (i)
            g_string_append_c (out, ',');
          sim_write_string (out, ((Column *) cols->pdata[i])->legend);
        }
      g_string_append (out, "]},\"data\":[");
      for (gint64 r = 0; r < rows; r++)
        {
          gint64 t = end - r * step;
          g_string_append_printf (out, "%s{\"t\":\"%" G_GINT64_FORMAT "\",\"values\":[", r ? "," : "", t);
          for (guint i = 0; i < cols->len; i++)
            {
              Column *c = cols->pdata[i];
              g_string_append (out, i ? ",\"" : "\"");
              append_value (out, series (c->uuid, c->ds, t, c->base, c->amp));
              g_string_append_c (out, '"');
            }
          g_string_append (out, "]}");
        }
      g_string_append (out, "]}");
    }
  else
    {
      g_string_append_printf (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xport><meta><start>%" G_GINT64_FORMAT
                              "</start><step>%" G_GINT64_FORMAT "</step><end>%" G_GINT64_FORMAT "</end><rows>%"
                              G_GINT64_FORMAT "</rows><columns>%u</columns><legend>",
                              end - (rows - 1) * step, step, end, rows, cols->len);
      for (guint i = 0; i < cols->len; i++)
        g_string_append_printf (out, "<entry>%s</entry>", ((Column *) cols->pdata[i])->legend);
      g_string_append (out, "</legend></meta><data>");
      for (gint64 r = 0; r < rows; r++)
        {
          gint64 t = end - r * step;   /* newest first */
          g_string_append_printf (out, "<row><t>%" G_GINT64_FORMAT "</t>", t);
          for (guint i = 0; i < cols->len; i++)
            {
              Column *c = cols->pdata[i];
              g_string_append (out, "<v>");
              append_value (out, series (c->uuid, c->ds, t, c->base, c->amp));
              g_string_append (out, "</v>");
            }
          g_string_append (out, "</row>");
        }
      g_string_append (out, "</data></xport>");
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Access-Control-Allow-Origin", "*");
  {
    gsize len = out->len;
    soup_server_message_set_response (msg, json ? "application/json" : "text/xml", SOUP_MEMORY_TAKE,
                                      g_string_free (out, FALSE), len);
  }
}

/* ---------------------------------------------------------------- export/import */

static void
tar_add (GString    *tar,
         const char *name,
         const char *data,
         gsize       len)
{
  char hdr[512];
  guint sum = 0;

  memset (hdr, 0, sizeof hdr);
  g_strlcpy (hdr, name, 100);
  snprintf (hdr + 100, 8, "%07o", 0644);
  snprintf (hdr + 108, 8, "%07o", 0);
  snprintf (hdr + 116, 8, "%07o", 0);
  snprintf (hdr + 124, 12, "%011lo", (unsigned long) len);
  snprintf (hdr + 136, 12, "%011lo", (unsigned long) (g_get_real_time () / G_USEC_PER_SEC));
  memset (hdr + 148, ' ', 8);
  hdr[156] = '0';
  memcpy (hdr + 257, "ustar", 6);
  memcpy (hdr + 263, "00", 2);
  for (guint i = 0; i < 512; i++)
    sum += (guchar) hdr[i];
  snprintf (hdr + 148, 8, "%06o", sum);
  hdr[155] = ' ';
  g_string_append_len (tar, hdr, 512);
  g_string_append_len (tar, data, len);
  if (len % 512)
    {
      char zero[512] = { 0 };
      g_string_append_len (tar, zero, 512 - len % 512);
    }
}

static JsonNode *
record_node (SimRow *row)
{
  GString *s = g_string_new (NULL);
  g_autoptr(JsonParser) p = json_parser_new ();
  JsonNode *n = NULL;

  sim_write_record (s, row);
  if (json_parser_load_from_data (p, s->str, s->len, NULL))
    n = json_node_copy (json_parser_get_root (p));
  g_string_free (s, TRUE);
  return n;
}

static void
handle_export (Sim               *sim,
               SoupServerMessage *msg,
               int                host)
{
  SimRow *vm, *task;
  GString *ova, *tar;
  JsonNode *objects;
  JsonArray *vbds;

  if (http_session (sim, msg) == NULL)
    return;
  vm = vm_of_query (sim, msg);
  task = task_for (sim, msg, "VM.export", host);
  if (vm == NULL)
    {
      GStrv e = sim_error ("HANDLE_INVALID", "VM", "", NULL);
      sim_task_fail (sim, task, e);
      g_strfreev (e);
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  objects = sv_empty_set ();
  {
    JsonNode *o = sv_empty_map ();
    json_object_set_string_member (json_node_get_object (o), "class", "VM");
    json_object_set_string_member (json_node_get_object (o), "id", vm->ref);
    json_object_set_member (json_node_get_object (o), "snapshot", record_node (vm));
    json_array_add_element (json_node_get_array (objects), o);
  }
  vbds = json_node_get_array (sim_row_value (vm, "VBDs"));
  for (guint i = 0; i < json_array_get_length (vbds); i++)
    {
      SimRow *vbd = sim_db_find (sim, json_array_get_string_element (vbds, i));
      SimRow *vdi = vbd ? sim_row_deref (sim, vbd, "VDI") : NULL;
      for (int k = 0; k < 2; k++)
        {
          SimRow *r = k ? vdi : vbd;
          JsonNode *o;
          if (r == NULL)
            continue;
          o = sv_empty_map ();
          json_object_set_string_member (json_node_get_object (o), "class", r->cls->name);
          json_object_set_string_member (json_node_get_object (o), "id", r->ref);
          json_object_set_member (json_node_get_object (o), "snapshot", record_node (r));
          json_array_add_element (json_node_get_array (objects), o);
        }
    }
  ova = g_string_new ("<?xml version=\"1.0\"?><value><struct><member><name>version</name><value><struct>"
                      "<member><name>hostname</name><value>xapi-sim</value></member>"
                      "<member><name>export_vsn</name><value>2</value></member></struct></value></member>"
                      "<member><name>objects</name>");
  sim_write_xmlrpc (ova, objects);
  g_string_append (ova, "</member></struct></value>");
  tar = g_string_new (NULL);
  tar_add (tar, "ova.xml", ova->str, ova->len);
  {
    /* the same objects as JSON, which /import of this simulator reads */
    GString *js = g_string_new (NULL);
    sim_write_node (js, objects);
    tar_add (tar, "sim.json", js->str, js->len);
    g_string_free (js, TRUE);
  }
  {
    char chunk[4096] = { 0 };
    g_autofree char *name = g_strdup_printf ("Ref:%s/00000000", vm->ref);
    g_snprintf (chunk, sizeof chunk, "disk of %s", sim_row_str (vm, "name_label"));
    tar_add (tar, name, chunk, sizeof chunk);
  }
  {
    char zero[1024] = { 0 };
    g_string_append_len (tar, zero, sizeof zero);
  }
  json_node_unref (objects);
  g_string_free (ova, TRUE);
  sim_task_complete (sim, task, NULL);
  sim_row_set_str (sim, task, "result", "");
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Content-Disposition",
                                "attachment; filename=\"export.xva\"");
  {
    gsize len = tar->len;
    soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_TAKE, g_string_free (tar, FALSE), len);
  }
}

/* Finds a member of a tar archive. */
static const char *
tar_find (const char *data,
          gsize       len,
          const char *name,
          gsize      *out_len)
{
  gsize off = 0;

  while (off + 512 <= len && data[off] != '\0')
    {
      gsize size = (gsize) g_ascii_strtoull (data + off + 124, NULL, 8);
      if (strncmp (data + off, name, 100) == 0 && off + 512 + size <= len)
        {
          *out_len = size;
          return data + off + 512;
        }
      off += 512 + ((size + 511) / 512) * 512;
    }
  return NULL;
}

static void
handle_import (Sim               *sim,
               SoupServerMessage *msg,
               int                host)
{
  SoupMessageHeaders *rh = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  SimRow *task, *vm = NULL;
  const char *js;
  gsize js_len = 0;
  g_autoptr(JsonParser) p = json_parser_new ();

  if (http_session (sim, msg) == NULL)
    return;
  task = task_for (sim, msg, "VM.import", host);
  if (soup_message_headers_get_encoding (rh) != SOUP_ENCODING_CONTENT_LENGTH)
    {
      GStrv e = sim_error ("IMPORT_ERROR_CANNOT_HANDLE_CHUNKED", NULL);
      sim_task_fail (sim, task, e);
      g_strfreev (e);
      soup_server_message_set_status (msg, 403, NULL);
      return;
    }
  js = tar_find (body->data, body->length, "sim.json", &js_len);
  if (js && json_parser_load_from_data (p, js, js_len, NULL) && JSON_NODE_HOLDS_ARRAY (json_parser_get_root (p)))
    {
      JsonArray *objs = json_node_get_array (json_parser_get_root (p));
      SimRow *sr = sim_row_deref (sim, sim_pool (sim), "default_SR");
      g_autofree char *sr_q = query_one (msg, "sr_id");
      GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      if (sr_q && sim_db_find (sim, sr_q))
        sr = sim_db_find (sim, sr_q);
      /* VM first, then VDIs, then VBDs */
      for (int pass = 0; pass < 3; pass++)
        for (guint i = 0; i < json_array_get_length (objs); i++)
          {
            JsonObject *o = json_array_get_object_element (objs, i);
            const char *cls = json_object_get_string_member (o, "class");
            JsonObject *snap = json_object_get_object_member (o, "snapshot");
            SimRow *row;
            const char *fields[] = { "name_label", "name_description", "memory_static_max", "memory_static_min",
                                     "memory_dynamic_max", "memory_dynamic_min", "VCPUs_max", "VCPUs_at_startup",
                                     "other_config", "platform", "HVM_boot_policy", "HVM_boot_params",
                                     "domain_type", "tags", "virtual_size", "type", "userdevice", "mode",
                                     "bootable", "empty", "sharable", "read_only", NULL };
            if ((pass == 0) != (strcmp (cls, "VM") == 0) || (pass == 1 && strcmp (cls, "VDI") != 0)
                || (pass == 2 && strcmp (cls, "VBD") != 0))
              continue;
            row = sim_db_add (sim, cls, NULL);
            for (guint f = 0; fields[f]; f++)
              {
                SimField *sf = sim_class_field (row->cls, fields[f]);
                JsonNode *v = json_object_get_member (snap, fields[f]);
                char *err = NULL;
                JsonNode *c;
                if (sf == NULL || v == NULL)
                  continue;
                c = sim_coerce (sim->model, sf->type, v, &err);
                g_free (err);
                if (c)
                  sim_row_set_field (sim, row, sf, c);
              }
            g_hash_table_replace (map, g_strdup (json_object_get_string_member (o, "id")), row);
            if (pass == 0)
              {
                SimRow *m = sim_db_add (sim, "VM_metrics", NULL);
                vm = row;
                sim_row_set_str (sim, vm, "power_state", "Halted");
                sim_row_set_int (sim, vm, "domid", -1);
                sim_row_set_ref (sim, vm, "metrics", m);
              }
            else if (pass == 1 && sr)
              sim_row_set_ref (sim, row, "SR", sr);
            else if (pass == 2)
              {
                SimRow *vdi = g_hash_table_lookup (map, json_object_get_string_member (snap, "VDI"));
                sim_row_set_ref (sim, row, "VM", vm);
                sim_row_set_ref (sim, row, "VDI", vdi);
              }
          }
      g_hash_table_unref (map);
    }
  else
    {
      /* a foreign XVA: take the VM's name from ova.xml */
      gsize ova_len = 0;
      const char *ova = tar_find (body->data, body->length, "ova.xml", &ova_len);
      if (ova)
        {
          g_autofree char *text = g_strndup (ova, ova_len);
          const char *n = strstr (text, "<name>name_label</name><value>");
          vm = sim_db_add (sim, "VM", NULL);
          sim_row_set_str (sim, vm, "power_state", "Halted");
          if (n)
            {
              const char *s = n + strlen ("<name>name_label</name><value>");
              const char *e = strstr (s, "</value>");
              g_autofree char *name = e ? g_strndup (s, e - s) : g_strdup ("imported VM");
              sim_row_set_str (sim, vm, "name_label", name);
            }
        }
    }
  if (vm == NULL)
    {
      GStrv e = sim_error ("IMPORT_ERROR", "not an XVA archive", NULL);
      sim_task_fail (sim, task, e);
      g_strfreev (e);
      soup_server_message_set_status (msg, 500, NULL);
      return;
    }
  sim_vm_update_allowed (sim, vm);
  {
    JsonNode *res = sv_strset (vm->ref, NULL);
    sim_task_complete (sim, task, res);
    json_node_unref (res);
  }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_STATIC, "", 0);
}

void
sim_http_handle (Sim               *sim,
                 SoupServerMessage *msg,
                 const char        *path,
                 int                host)
{
  const char *method = soup_server_message_get_method (msg);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-cache, no-store");
  if (strcmp (path, "/rrd_updates") == 0 && strcmp (method, "GET") == 0)
    handle_rrd_updates (sim, msg, host);
  else if (strcmp (path, "/export") == 0 && strcmp (method, "GET") == 0)
    handle_export (sim, msg, host);
  else if (strcmp (path, "/import") == 0 && (strcmp (method, "PUT") == 0 || strcmp (method, "POST") == 0))
    handle_import (sim, msg, host);
  else
    soup_server_message_set_status (msg, 403, NULL);
}
