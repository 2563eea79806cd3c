package app_test

import (
	"context"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/ent"
	"github.com/plugmig/plugmig/ent/mediaentry"
	"github.com/plugmig/plugmig/ent/mediasecurity"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestPluginReachesCore walks the guide's example both ways with the
// generated client on real databases: a plugin row reaches its core media
// entry, and a media entry reaches its plugin rows (security_rating,
// image_data, archivalook_featured) — with no core schema naming a plugin.
func TestPluginReachesCore(t *testing.T) {
	t.Parallel()
	for _, d := range []string{compose.SQLite, compose.Postgres, compose.MySQL} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, d)
			createAll(t, db)
			entDialect := map[string]string{compose.SQLite: dialect.SQLite, compose.Postgres: dialect.Postgres, compose.MySQL: dialect.MySQL}[d]
			client := ent.NewClient(ent.Driver(entsql.OpenDB(entDialect, db.DB)))

			u := client.User.Create().SetName("alice").SaveX(ctx)
			entry := client.MediaEntry.Create().SetActor(u).SetTitle("Goblin").SetMediaType("image").SaveX(ctx)
			client.MediaSecurity.Create().SetMediaEntry(entry).SetRating("safe").SaveX(ctx)
			client.ImageData.Create().SetMediaEntry(entry).SetWidth(640).SetHeight(480).SaveX(ctx)
			client.FeaturedMedia.Create().SetMediaEntry(entry).SetDisplayType("primary").SetOrder(1).SaveX(ctx)

			// core -> plugin
			rating := entry.QuerySecurityRating().OnlyX(ctx)
			if rating.ID != entry.ID || rating.Rating == nil || *rating.Rating != "safe" {
				t.Errorf("security_rating = %+v, want key %d and rating safe", rating, entry.ID)
			}
			if img := entry.QueryImageData().OnlyX(ctx); *img.Width != 640 {
				t.Errorf("image_data width = %d", *img.Width)
			}
			if n := entry.QueryArchivalookFeatured().CountX(ctx); n != 1 {
				t.Errorf("archivalook_featured count = %d, want 1", n)
			}
			// plugin -> core
			back := client.MediaSecurity.Query().Where(mediasecurity.RatingEQ("safe")).QueryMediaEntry().OnlyX(ctx)
			if back.ID != entry.ID {
				t.Errorf("media_entry of the rating = %d, want %d", back.ID, entry.ID)
			}
			// a predicate on the plugin edge, and eager loading across the boundary
			loaded := client.MediaEntry.Query().Where(mediaentry.HasSecurityRating()).WithArchivalookFeatured().OnlyX(ctx)
			if len(loaded.Edges.ArchivalookFeatured) != 1 || loaded.Edges.ArchivalookFeatured[0].Order != 1 {
				t.Errorf("eager-loaded archivalook_featured = %+v", loaded.Edges.ArchivalookFeatured)
			}
			// a shared-key row is found by the media entry's id
			if r := client.MediaSecurity.GetX(ctx, entry.ID); *r.Rating != "safe" {
				t.Errorf("MediaSecurity.Get(entry id) = %+v", r)
			}
			// the shared key is enforced by the database
			if _, err := client.MediaSecurity.Create().SetMediaEntryID(entry.ID + 100).Save(ctx); err == nil {
				t.Error("a rating for a missing media entry was accepted: the foreign key is not enforced")
			}
		})
	}
}

func createAll(t *testing.T, db *testdb.DB) {
	t.Helper()
	ctx := context.Background()
	comp, err := app.Composer()
	if err != nil {
		t.Fatal(err)
	}
	b, err := comp.Union(comp.Plugins().Names()...)
	if err != nil {
		t.Fatal(err)
	}
	s, err := comp.Schema(ctx, b, db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := compose.DDL(ctx, db.Dialect, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if _, err := db.DB.ExecContext(ctx, st); err != nil {
			t.Fatalf("%s refused %s: %v", db.Dialect, st, err)
		}
	}
}

// TestGeneratedCodeIsFresh: the committed ent code was generated from the
// committed schema sources (the hash go generate records matches them).
func TestGeneratedCodeIsFresh(t *testing.T) {
	t.Parallel()
	if err := app.CheckGenerated(testdb.Root(t)); err != nil {
		t.Fatal(err)
	}
}
