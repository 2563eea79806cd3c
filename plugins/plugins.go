// Package plugins links every plugin of the application. Import it for its
// side effects; a new plugin adds one line here.
package plugins

import (
	_ "github.com/plugmig/plugmig/plugins/archivalook"
	_ "github.com/plugmig/plugmig/plugins/ascii"
	_ "github.com/plugmig/plugmig/plugins/audio"
	_ "github.com/plugmig/plugmig/plugins/blog"
	_ "github.com/plugmig/plugmig/plugins/image"
	_ "github.com/plugmig/plugmig/plugins/mediasecurity"
	_ "github.com/plugmig/plugmig/plugins/oauth"
	_ "github.com/plugmig/plugmig/plugins/openid"
	_ "github.com/plugmig/plugmig/plugins/pdf"
	_ "github.com/plugmig/plugmig/plugins/persona"
	_ "github.com/plugmig/plugmig/plugins/stl"
	_ "github.com/plugmig/plugmig/plugins/subtitles"
	_ "github.com/plugmig/plugmig/plugins/video"
)
