-- wrk script: cycle through the URL paths listed (one per line) in the file $NEWS_SEARCH_PATHS.
local paths = {}
for line in io.lines(os.getenv("NEWS_SEARCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0

request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
