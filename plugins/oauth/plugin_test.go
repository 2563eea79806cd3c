package oauth_test

import (
	"testing"

	"github.com/plugmig/plugmig/internal/app/plugintest"
)

func TestConformance(t *testing.T) { plugintest.Conformance(t, "oauth") }
