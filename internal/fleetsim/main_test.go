package fleetsim

import (
	"testing"

	"github.com/sqstemp/sqstemp/internal/testutil"
)

func TestMain(m *testing.M) { testutil.VerifyTestMain(m) }
