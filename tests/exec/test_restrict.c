/* test_restrict.c - on_delete=RESTRICT with Django's rule (3.1+): a row a
 * RESTRICT key points at may go when the rows pointing at it are deleted
 * through a CASCADE path of the same deletion; else RestrictedError.
 * Django's documented Artist / Album / Song example; and on_delete=SET. */
#include <criterion/criterion.h>
#include <string.h>

#include "testdb.h"

typedef struct Artist {
    DORM_OBJECT;
    int64_t id;
    const char *name;
} Artist;

typedef struct Album {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Artist) artist;
} Album;

typedef struct Song {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Artist) artist;
    DORM_FK(Album) album;
} Song;

typedef struct Poster {
    DORM_OBJECT;
    int64_t id;
    DORM_FK(Artist) artist;
    DORM_FK(Artist) backup;
} Poster;

DORM_MODEL_DECLARE(Artist);
DORM_MODEL_DECLARE(Album);
DORM_MODEL_DECLARE(Song);
DORM_MODEL_DECLARE(Poster);
static const dorm_field Artist_fields[] = {DORM_AUTO(Artist, id), DORM_CHAR(Artist, name, .max_length = 10), DORM_END};
const dorm_model Artist_model = DORM_MODEL(Artist, "music", Artist_fields);
static const dorm_field Album_fields[] = {DORM_AUTO(Album, id),
                                          DORM_FOREIGN_KEY(Album, artist, Artist, .on_delete = DORM_CASCADE), DORM_END};
const dorm_model Album_model = DORM_MODEL(Album, "music", Album_fields);
static const dorm_field Song_fields[] = {
    DORM_AUTO(Song, id),
    DORM_FOREIGN_KEY(Song, artist, Artist, .on_delete = DORM_CASCADE),
    DORM_FOREIGN_KEY(Song, album, Album, .on_delete = DORM_RESTRICT),
    DORM_END,
};
const dorm_model Song_model = DORM_MODEL(Song, "music", Song_fields);
/* SET(callable): the artist named "house" takes the posters over. */
static int64_t house_id;
static dorm_value house(void) { return dorm_v_int(house_id); }
static const dorm_field Poster_fields[] = {
    DORM_AUTO(Poster, id),
    DORM_FOREIGN_KEY(Poster, artist, Artist, .on_delete = DORM_SET, .on_delete_set_fn = house,
                     .related_name = "posters"),
    DORM_FOREIGN_KEY(Poster, backup, Artist, .on_delete = DORM_SET, .null = true, .on_delete_set = DORM_VNULL,
                     .related_name = "+"),
    DORM_END,
};
const dorm_model Poster_model = DORM_MODEL(Poster, "music", Poster_fields);
static const dorm_app music_app = {.label = "music",
                                   .models = DORM_MODELS(&Artist_model, &Album_model, &Song_model, &Poster_model)};

static void open_music(void) { test_db_open_apps((const dorm_app *const[]){&music_app, NULL}); }

TestSuite(restrict_rule, .init = open_music, .fini = test_db_close);

typedef struct band {
    Artist *one, *two;
    Album *album_one, *album_two;
    Song *song_one, *song_two;
} band;

static band make_band(void) {
    band b;
    b.one = dorm_create(T.cx, Artist, .name = "one");
    b.two = dorm_create(T.cx, Artist, .name = "two");
    b.album_one = dorm_create(T.cx, Album, .artist = {b.one->id, NULL});
    b.album_two = dorm_create(T.cx, Album, .artist = {b.two->id, NULL});
    b.song_one = dorm_create(T.cx, Song, .artist = {b.one->id, NULL}, .album = {b.album_one->id, NULL});
    b.song_two = dorm_create(T.cx, Song, .artist = {b.one->id, NULL}, .album = {b.album_two->id, NULL});
    cr_assert(b.song_one && b.song_two, "%s", dorm_errmsg(T.cx));
    return b;
}

Test(restrict_rule, album_alone_is_refused) {
    band b = make_band();
    cr_expect_eq(dorm_delete(b.album_one, NULL), DORM_ERESTRICTED);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Cannot delete some instances of model 'Album' because they are referenced "
                     "through restricted foreign keys: 'Song.album'.");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Album)), 2, "nothing deleted");
}

Test(restrict_rule, cascade_path_deletes_the_songs_too) {
    band b = make_band();
    /* Artist one: album_one and both songs cascade; song_one's RESTRICT key
     * points at album_one, which goes in the same deletion. */
    b.song_two->album.id = b.album_one->id;
    b.song_two->album.obj = NULL;
    cr_assert_eq(dorm_save(b.song_two), 0);
    dorm_deleted d;
    cr_assert_eq(dorm_delete(b.one, &d), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_expect_str_eq(dorm_deleted_str(T.cx, &d), "music.Album: 1, music.Artist: 1, music.Song: 2");
}

Test(restrict_rule, restricted_row_outside_the_cascade) {
    band b = make_band();
    /* Artist two: album_two cascades, but song_two (artist one) points at it
     * through RESTRICT and is not deleted by this deletion. */
    cr_expect_eq(dorm_delete(b.two, NULL), DORM_ERESTRICTED);
    cr_expect_str_eq(dorm_errmsg(T.cx),
                     "Cannot delete some instances of model 'Artist' because they are referenced "
                     "through restricted foreign keys: 'Song.album'.");
    cr_expect_eq(dorm_count(dorm_all(T.cx, Artist)), 2, "nothing deleted");
    /* Deleting artist one first removes song_two: then artist two may go. */
    cr_assert_eq(dorm_delete(b.one, NULL), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_delete(b.two, NULL), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(dorm_count(dorm_all(T.cx, Song)), 0);
}

Test(restrict_rule, on_delete_set_value_and_function) {
    band b = make_band();
    Artist *h = dorm_create(T.cx, Artist, .name = "house");
    cr_assert_not_null(h);
    house_id = h->id;
    Poster *p = dorm_create(T.cx, Poster, .artist = {b.two->id, NULL}, .backup = {b.two->id, NULL});
    cr_assert_not_null(p, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_delete(b.one, NULL), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_delete(b.two, NULL), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_assert_eq(dorm_refresh(p), DORM_OK, "%s", dorm_errmsg(T.cx));
    cr_expect_eq(p->artist.id, h->id, "SET(callable)");
    cr_expect(dorm_is_null(p, backup), "SET(None)");
}
