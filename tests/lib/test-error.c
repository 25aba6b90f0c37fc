/* test-error.c: the XAPI error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "xapi-error.h"

static void
test_known_code (void)
{
  const char *desc[] = { "VM_BAD_POWER_STATE", "OpaqueRef:vm", "halted", "running", NULL };
  g_autoptr(GError) error = xapi_error_new_from_description (desc);
  const char * const *params;
  g_autofree char *text = NULL;

  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_VM_BAD_POWER_STATE);
  g_assert_cmpstr (xapi_error_get_code_string (error), ==, "VM_BAD_POWER_STATE");
  params = xapi_error_get_params (error);
  g_assert_cmpuint (g_strv_length ((char **) params), ==, 3);
  g_assert_cmpstr (params[0], ==, "OpaqueRef:vm");
  g_assert_cmpstr (params[2], ==, "running");
  /* A sentence, not the raw code. */
  g_assert_null (strstr (error->message, "VM_BAD_POWER_STATE"));
  g_assert_nonnull (strstr (error->message, "halted"));

  text = xapi_error_describe (error, TRUE);
  g_assert_true (g_str_has_suffix (text, "[VM_BAD_POWER_STATE]"));
}

static void
test_unknown_code (void)
{
  g_autoptr(GError) error = xapi_error_new ("SOME_NEW_ERROR", "a", "b", NULL);

  g_assert_error (error, XAPI_ERROR, XAPI_ERROR_OTHER);
  g_assert_cmpstr (xapi_error_get_code_string (error), ==, "SOME_NEW_ERROR");
  g_assert_cmpstr (error->message, ==, "SOME_NEW_ERROR (a, b)");
  g_assert_cmpstr (xapi_error_get_params (error)[1], ==, "b");
}

static void
test_copy_keeps_params (void)
{
  g_autoptr(GError) error = xapi_error_new ("HOST_IS_SLAVE", "192.0.2.10", NULL);
  g_autoptr(GError) copy = g_error_copy (error);

  g_assert_error (copy, XAPI_ERROR, XAPI_ERROR_HOST_IS_SLAVE);
  g_assert_cmpstr (xapi_error_get_code_string (copy), ==, "HOST_IS_SLAVE");
  g_assert_cmpstr (xapi_error_get_params (copy)[0], ==, "192.0.2.10");
  g_assert_nonnull (strstr (copy->message, "192.0.2.10"));
}

static void
test_degenerate (void)
{
  const char *empty[] = { NULL };
  g_autoptr(GError) e1 = xapi_error_new_from_description (empty);
  g_autoptr(GError) e2 = xapi_error_new_from_description (NULL);
  const char *short_desc[] = { "VM_BAD_POWER_STATE", NULL };   /* parameters missing */
  g_autoptr(GError) e3 = xapi_error_new_from_description (short_desc);
  g_autoptr(GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "refused");
  g_autofree char *io_text = xapi_error_describe (io, TRUE);

  g_assert_error (e1, XAPI_ERROR, XAPI_ERROR_OTHER);
  g_assert_cmpstr (xapi_error_get_code_string (e1), ==, "UNKNOWN_ERROR");
  g_assert_error (e2, XAPI_ERROR, XAPI_ERROR_OTHER);
  g_assert_nonnull (xapi_error_get_params (e2));
  g_assert_error (e3, XAPI_ERROR, XAPI_ERROR_VM_BAD_POWER_STATE);
  g_assert_cmpuint (g_strv_length ((char **) xapi_error_get_params (e3)), ==, 0);

  g_assert_null (xapi_error_get_code_string (io));
  g_assert_null (xapi_error_get_params (io));
  g_assert_nonnull (strstr (io_text, "refused the connection"));
}

static void
test_more_sentences (void)
{
  g_autoptr(GError) ha = xapi_error_new ("HA_IS_ENABLED", NULL, NULL);
  g_autoptr(GError) bond = xapi_error_new ("PIF_ALREADY_BONDED", "OpaqueRef:pif", NULL);
  const char *sm[] = { "SR_BACKEND_FAILURE_107", "", "The SR is not reachable", "", NULL };
  g_autoptr(GError) backend = xapi_error_new_from_description (sm);
  g_autofree char *text = xapi_error_describe (ha, TRUE);

  /* Sentences, with the code on request and the parameters kept. */
  g_assert_error (ha, XAPI_ERROR, XAPI_ERROR_OTHER);
  g_assert_nonnull (strstr (ha->message, "disable HA first"));
  g_assert_true (g_str_has_suffix (text, "[HA_IS_ENABLED]"));
  g_assert_cmpstr (bond->message, ==, "The network interface is already part of a bond.");
  g_assert_cmpstr (xapi_error_get_params (bond)[0], ==, "OpaqueRef:pif");
  g_assert_cmpstr (backend->message, ==, "The storage back end failed: The SR is not reachable");
}

static void
test_code_table (void)
{
  g_assert_cmpint (xapi_error_code_from_string ("SESSION_INVALID"), ==, XAPI_ERROR_SESSION_INVALID);
  g_assert_cmpint (xapi_error_code_from_string ("HANDLE_INVALID"), ==, XAPI_ERROR_HANDLE_INVALID);
  g_assert_cmpint (xapi_error_code_from_string ("Fault"), ==, XAPI_ERROR_FAULT);
  g_assert_cmpint (xapi_error_code_from_string ("session_invalid"), ==, XAPI_ERROR_OTHER);
  g_assert_cmpint (xapi_error_code_from_string (NULL), ==, XAPI_ERROR_OTHER);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/error/known-code", test_known_code);
  g_test_add_func ("/error/unknown-code", test_unknown_code);
  g_test_add_func ("/error/copy-keeps-params", test_copy_keeps_params);
  g_test_add_func ("/error/degenerate", test_degenerate);
  g_test_add_func ("/error/more-sentences", test_more_sentences);
  g_test_add_func ("/error/code-table", test_code_table);

  return g_test_run ();
}
