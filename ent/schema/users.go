package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/plugmig/plugmig/ent/schema/column"
)

// User is core__users, the root of MediaGoblin's joined-table user hierarchy;
// type is the discriminator (user, user_local, user_remote).
type User struct{ ent.Schema }

func (User) Annotations() []schema.Annotation { return table("core__users") }

func (User) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("url").SchemaType(column.Varchar).Optional().Nillable(),
		field.Text("bio").Optional().Nillable(),
		field.String("name").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("type").SchemaType(column.Varchar).Optional().Nillable(),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Time("updated").SchemaType(column.Timestamp).Default(utcnow),
		field.Int("location_id").StorageKey("location").SchemaType(column.Integer).Optional().Nillable(),
	}
}

func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("location", Location.Type).Unique().Field("location_id").Annotations(noAction),
		// The subclass tables share the user's primary key (PK is the FK).
		edge.To("local_user", LocalUser.Type).Unique().StorageKey(edge.Column("id"), edge.Symbol("core__local_users_id_fkey")),
		edge.To("remote_user", RemoteUser.Type).Unique().StorageKey(edge.Column("id"), edge.Symbol("core__remote_users_id_fkey")),
		edge.To("ban", UserBan.Type).Unique().StorageKey(edge.Column("user_id"), edge.Symbol("core__user_bans_user_id_fkey")),
		edge.To("media_entries", MediaEntry.Type),
		edge.To("collections", Collection.Type),
		edge.To("privileges", Privilege.Type).Through("privilege_grants", PrivilegeUser.Type),
	}
}

// LocalUser is core__local_users: a user registered on this instance.
type LocalUser struct{ ent.Schema }

func (LocalUser) Annotations() []schema.Annotation { return table("core__local_users") }

func (LocalUser) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer).Annotations(sharedKey()),
		field.String("username").SchemaType(column.Varchar),
		// email deliberately has no unique constraint (comment in MediaGoblin).
		field.String("email").SchemaType(column.Varchar),
		field.String("pw_hash").SchemaType(column.Varchar).Optional().Nillable(),
		field.Bool("wants_comment_notification").Optional().Nillable().Default(true),
		field.Bool("wants_notifications").Optional().Nillable().Default(true),
		field.String("license_preference").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("uploaded").SchemaType(column.Integer).Optional().Nillable().DefaultFunc(zeroInt),
		field.Int("upload_limit").SchemaType(column.Integer).Optional().Nillable(),
	}
}

func (LocalUser) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("local_user").Unique().Required(),
	}
}

func (LocalUser) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("username").Unique().StorageKey("core__local_users_username_key"),
	}
}

// RemoteUser is core__remote_users: a federated user known by webfinger.
type RemoteUser struct{ ent.Schema }

func (RemoteUser) Annotations() []schema.Annotation { return table("core__remote_users") }

func (RemoteUser) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer).Annotations(sharedKey()),
		field.String("webfinger").SchemaType(column.Varchar).Optional().Nillable(),
	}
}

func (RemoteUser) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("remote_user").Unique().Required(),
	}
}

func (RemoteUser) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("webfinger").Unique().StorageKey("core__remote_users_webfinger_key"),
	}
}

// UserBan is core__user_bans: one ban per user, keyed by the user.
type UserBan struct{ ent.Schema }

func (UserBan) Annotations() []schema.Annotation { return table("core__user_bans") }

func (UserBan) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").StorageKey("user_id").SchemaType(column.Integer).Annotations(sharedKey()),
		field.Time("expiration_date").SchemaType(column.Date).Optional().Nillable(),
		field.Text("reason"),
	}
}

func (UserBan) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("ban").Unique().Required(),
	}
}

// Privilege is core__privileges (admin, moderator, uploader, ...).
type Privilege struct{ ent.Schema }

func (Privilege) Annotations() []schema.Annotation { return table("core__privileges") }

func (Privilege) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("privilege_name").SchemaType(column.Varchar),
	}
}

func (Privilege) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("users", User.Type).Ref("privileges").Through("user_grants", PrivilegeUser.Type),
	}
}

func (Privilege) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("privilege_name").Unique().StorageKey("core__privileges_privilege_name_key"),
	}
}

// PrivilegeUser is core__privileges_users, the association of users and
// privileges, with the composite primary key (user, privilege).
type PrivilegeUser struct{ ent.Schema }

func (PrivilegeUser) Annotations() []schema.Annotation {
	return append(table("core__privileges_users"), field.ID("user_id", "privilege_id"))
}

func (PrivilegeUser) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").StorageKey("user").SchemaType(column.Integer),
		field.Int("privilege_id").StorageKey("privilege").SchemaType(column.Integer),
	}
}

func (PrivilegeUser) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Unique().Required().Field("user_id"),
		edge.To("privilege", Privilege.Type).Unique().Required().Field("privilege_id"),
	}
}
