package reliability

import (
	"testing"

	"github.com/sqstemp/sqstemp/internal/testutil"
)

func TestMain(m *testing.M) {
	testutil.RunChild(crashChildEnv, crashChild) // the crash test's child process
	testutil.VerifyTestMain(m)
}
