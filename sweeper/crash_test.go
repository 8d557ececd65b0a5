package sweeper

const crashChildEnv = "SQSTEMP_SWEEPER_CRASH_CHILD"

func crashChild() int { return 2 }
