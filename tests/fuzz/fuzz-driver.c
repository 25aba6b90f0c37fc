/* fuzz-driver.c: run a libFuzzer target over files, without libFuzzer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: fuzz-xxx-regress PATH...   (files, or directories of files)
 * Each file is fed once to LLVMFuzzerTestOneInput; a crash or a
 * sanitizer report fails the test.  Prints TAP.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint n_run;

static void
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      printf ("Bail out! %s\n", error->message);
      exit (1);
    }
  /* Hand over an exact-size copy so overreads are visible to ASan. */
  {
    g_autofree guint8 *copy = g_memdup2 (contents, length > 0 ? length : 1);
    LLVMFuzzerTestOneInput (copy, length);
  }
  n_run++;
  printf ("ok %u %s\n", n_run, path);
  fflush (stdout);
}

static int
cmp_strings (gconstpointer a,
             gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
run_path (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        return;
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, cmp_strings);   /* deterministic order */
      for (guint i = 0; i < names->len; i++)
        run_path (g_ptr_array_index (names, i));
    }
  else
    run_file (path);
}

int
main (int    argc,
      char **argv)
{
  printf ("TAP version 13\n");
  for (int i = 1; i < argc; i++)
    run_path (argv[i]);
  if (n_run == 0)
    {
      printf ("Bail out! no inputs\n");
      return 1;
    }
  printf ("1..%u\n", n_run);
  return 0;
}
