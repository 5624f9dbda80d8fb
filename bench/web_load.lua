-- wrk script: cycle through the URL paths given one per line in $NEWS_SEARCH_PATHS.
local paths = {}
for line in string.gmatch(os.getenv("NEWS_SEARCH_PATHS"), "[^\n]+") do paths[#paths + 1] = line end
local counter = 0

request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
