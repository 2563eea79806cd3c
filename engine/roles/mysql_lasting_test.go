package roles

import "testing"

// TestMyLasting: any spelling a server could read as a trigger, view or
// event keeps the account's full privileges; only text without those
// letters gets the plain ones.
func TestMyLasting(t *testing.T) {
	for _, s := range []string{
		"CREATE TRIGGER image__t BEFORE INSERT ON image__x FOR EACH ROW SET NEW.a = 1",
		"create view image__v as select 1",
		"/*!50000CREATE*/ /*!50000ViEw image__v AS SELECT 1*/",
		"CREATE EVENT image__e ON SCHEDULE EVERY 1 DAY DO DELETE FROM image__x",
		"INSERT INTO image__x (s) VALUES ('prevent')", // a false alarm, on the safe side
	} {
		if !MyLasting(s) {
			t.Errorf("MyLasting(%q) = false, want true", s)
		}
	}
	for _, s := range []string{
		"CREATE TABLE image__x (id int NOT NULL, PRIMARY KEY (id))",
		"INSERT INTO image__x (id) SELECT id FROM core__users",
	} {
		if MyLasting(s) {
			t.Errorf("MyLasting(%q) = true, want false", s)
		}
	}
}
